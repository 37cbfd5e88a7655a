#include "backends/tinpu/serialize.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "backends/tinpu/target.h"
#include "ir/onnx_export.h"
#include "util/status_macros.h"

namespace quantc::tinpu {
namespace {

// The float op itself, or a node lower_to_integer named after it
// ("<name>_float", ...).
bool FromFloatOp(const Node& n, const std::vector<std::string>& float_ops) {
  for (const std::string& f : float_ops) {
    if (n.op_type() == f || n.name() == f || absl::StartsWith(n.name(), f + "_")) return true;
  }
  return false;
}

bool IsShapeConstant(const Value* v) {
  return v->is_initializer() && v->type().dtype == DType::kInt64;
}

}  // namespace

absl::Status CheckTinpuGraph(const Graph& g, const std::vector<std::string>& float_ops) {
  std::vector<std::string> bad;
  for (const Node* n : g.nodes()) {
    if (FromFloatOp(*n, float_ops)) continue;
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

absl::StatusOr<std::string> SerializeTinpu(const Graph& g,
                                           const std::vector<std::string>& float_ops) {
  QC_RETURN_IF_ERROR(CheckTinpuGraph(g, float_ops));
  return ExportModelBytes(g);
}

}  // namespace quantc::tinpu
