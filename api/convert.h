// `quantc convert` / quantc.convert(): import, verify, run the canonical
// cleanup pipeline (or the named passes), export.
#ifndef QUANTC_API_CONVERT_H_
#define QUANTC_API_CONVERT_H_

#include <string>

#include "absl/status/statusor.h"
#include "api/session.h"
#include "tools/cli.h"

namespace quantc::api {

const cli::CommandSpec& ConvertSpec();

/// The converted model's ONNX bytes (what -o receives). Usage errors for
/// unknown passes and a --print-ir-after that names none that runs.
absl::StatusOr<std::string> Convert(const ModelInput& model, const cli::Args& args,
                                    const Console& console);

/// --list-passes: one line per registered pass, "name  summary".
std::string ListPasses();

}  // namespace quantc::api

#endif  // QUANTC_API_CONVERT_H_
