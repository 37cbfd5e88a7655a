// `quantc compile` / quantc.compile(): a quantized model (generic QDQ or
// TINPU integer ONNX) to dependency-free C (backends/c/compile.h).
#ifndef QUANTC_API_COMPILE_H_
#define QUANTC_API_COMPILE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "api/session.h"
#include "tools/cli.h"

namespace quantc::api {

const cli::CommandSpec& CompileSpec();

struct CompileOutput {
  std::vector<std::pair<std::string, std::string>> files;  ///< name -> C text
  std::string report;   ///< --report's contents (JSON or HTML by its name), or ""
  std::string summary;  ///< "DIR: N ops, arena ... bytes ..." for the CLI
};

/// Compiles; `dir` only names the folder in `summary`. Usage errors for
/// bad --name/--io/--arena-align/--report values, checked before the model
/// is read.
absl::StatusOr<CompileOutput> Compile(const ModelInput& model, const cli::Args& args,
                                      const std::string& dir);

}  // namespace quantc::api

#endif  // QUANTC_API_COMPILE_H_
