#include "api/session.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ir/onnx_import.h"
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

absl::StatusOr<ReportFormat> ReportFormatOf(const std::string& path) {
  if (absl::EndsWith(path, ".json")) return ReportFormat::kJson;
  if (absl::EndsWith(path, ".html") || absl::EndsWith(path, ".htm")) return ReportFormat::kHtml;
  return cli::AsUsageError(absl::InvalidArgumentError(absl::StrCat(
      "--report=", path, ": the name must end in .json (data) or .html (a page with charts)")));
}

}  // namespace quantc::api
