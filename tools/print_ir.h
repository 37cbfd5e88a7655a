// --print-ir-after-all / --print-ir-after=NAME for every pass-running command.
#ifndef QUANTC_TOOLS_PRINT_IR_H_
#define QUANTC_TOOLS_PRINT_IR_H_

#include <functional>

#include "passes/pass_manager.h"
#include "tools/cli.h"

namespace quantc {

/// The after-pass hook printing the IR (stdout) as the flags ask, or an
/// empty function when they ask for nothing.
std::function<void(const Pass&, const Graph&, bool)> IrPrinter(const cli::Args& args);

}  // namespace quantc

#endif  // QUANTC_TOOLS_PRINT_IR_H_
