#include "backends/tinpu/serialize.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "backends/tinpu/target.h"
#include "ir/onnx_export.h"
#include "util/status_macros.h"

namespace quantc::tinpu {
namespace {

bool IsShapeConstant(const Value* v) {
  return v->is_initializer() && v->type().dtype == DType::kInt64;
}

}  // namespace

absl::Status CheckTinpuGraph(const Graph& g) {
  std::vector<std::string> bad;
  for (const Node* n : g.nodes()) {
    if (n->float_op()) continue;
    std::string why;
    if (!IsAllowedNode(*n, &why)) bad.push_back(absl::StrCat(n->Describe(), ": ", why));
    for (const Value* in : n->inputs()) {
      if (in && in->type().dtype != DType::kFloat32 && !IsShapeConstant(in)) {
        bad.push_back(absl::StrCat(n->Describe(), ": input '", in->name(), "' is not float32"));
      }
    }
  }
  if (bad.empty()) return absl::OkStatus();
  return absl::UnimplementedError(
      absl::StrCat("not expressible as a TINPU model: ", absl::StrJoin(bad, "; ")));
}

absl::StatusOr<std::string> SerializeTinpu(const Graph& g) {
  QC_RETURN_IF_ERROR(CheckTinpuGraph(g));
  return ExportModelBytes(g);
}

}  // namespace quantc::tinpu
