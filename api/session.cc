#include "api/session.h"

#include <cerrno>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ir/onnx_import.h"
#include "ir/tensor.h"
#include "tools/cli.h"
#include "util/status_macros.h"

namespace quantc::api {

absl::StatusOr<std::unique_ptr<Graph>> LoadModel(const ModelInput& model) {
  // The importers verify the graph they return.
  if (model.bytes) return ImportModelBytes(*model.bytes, "", model.display_name);
  return ImportModelFile(model.path);
}

absl::Status InModel(const ModelInput& model, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat(model.name(), ": ", status.message()));
}

absl::Status ApplyTensorCapFromEnvironment() {
  const char* env = std::getenv("QUANTC_MAX_TENSOR_BYTES");
  if (env == nullptr) return absl::OkStatus();
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(env, &end, 10);
  if (errno != 0 || end == env || *end != '\0' || v <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("QUANTC_MAX_TENSOR_BYTES='", env, "' is not a positive byte count"));
  }
  SetMaxTensorBytes(v);
  return absl::OkStatus();
}

absl::StatusOr<ReportFormat> ReportFormatOf(const std::string& path) {
  if (absl::EndsWith(path, ".json")) return ReportFormat::kJson;
  if (absl::EndsWith(path, ".html") || absl::EndsWith(path, ".htm")) return ReportFormat::kHtml;
  return cli::AsUsageError(absl::InvalidArgumentError(absl::StrCat(
      "--report=", path, ": the name must end in .json (data) or .html (a page with charts)")));
}

}  // namespace quantc::api
