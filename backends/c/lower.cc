#include "backends/c/lower.h"

#include "absl/strings/str_cat.h"

namespace quantc::cbackend {

absl::StatusOr<IntProgram> LowerToIntProgram(const Graph& g) {
  bool qdq = false, tinpu = false;
  for (const Node* n : g.nodes()) {
    if (!n->domain().empty()) continue;
    qdq = qdq || n->op_type() == "QuantizeLinear" || n->op_type() == "DequantizeLinear";
    tinpu = tinpu || n->op_type() == "Floor";
  }
  for (const Value* v : g.inputs()) {
    qdq = qdq || v->type().dtype == DType::kInt8 || v->type().dtype == DType::kUInt8;
  }
  if (qdq) return LowerQdq(g);
  if (tinpu) return LowerTinpu(g);
  return absl::InvalidArgumentError(
      "the model is not quantized (no QuantizeLinear/DequantizeLinear nodes and no TINPU "
      "integer blocks); quantize it first with `quantc quantize`");
}

}  // namespace quantc::cbackend
