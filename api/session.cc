#include "api/session.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ir/onnx_import.h"
#include "ir/verifier.h"
#include "tools/cli.h"
#include "util/status_macros.h"

namespace quantc::api {

absl::StatusOr<std::unique_ptr<Graph>> LoadModel(const ModelInput& model) {
  std::unique_ptr<Graph> graph;
  if (model.bytes) {
    QC_ASSIGN_OR_RETURN(graph, ImportModelBytes(*model.bytes, "", model.display_name));
  } else {
    QC_ASSIGN_OR_RETURN(graph, ImportModelFile(model.path));
  }
  if (absl::Status st = VerifyGraph(*graph); !st.ok()) return InModel(model, st);
  return graph;
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
