// --print-ir-after-all / --print-ir-after=NAME for every pass-running
// command (the driver prints; passes never do).
#ifndef QUANTC_API_PRINT_IR_H_
#define QUANTC_API_PRINT_IR_H_

#include "absl/status/status.h"
#include "api/session.h"
#include "passes/pass_manager.h"
#include "tools/cli.h"

namespace quantc::api {

/// A usage error when --print-ir-after names none of `pass_names` (the
/// passes a pipeline runs), listing them.
absl::Status CheckPrintIrAfter(const cli::Args& args, const std::vector<std::string>& pass_names);

/// Installs on `pm` the hook printing the IR to `console.out` as the flags
/// ask (nothing when they ask for nothing), after calling `existing` (may
/// be empty). A usage error when --print-ir-after names a pass that `pm`
/// does not run (or none of `valid_names`, when a command runs several
/// pass managers), listing those it does.
absl::Status AddIrPrinter(const cli::Args& args, const Console& console, PassManager& pm,
                          std::function<void(const Pass&, const Graph&, bool)> existing = {},
                          const std::vector<std::string>& valid_names = {});

}  // namespace quantc::api

#endif  // QUANTC_API_PRINT_IR_H_
