#include "passes/import/qdq_nodes.h"

#include "absl/strings/str_cat.h"
#include "quant/qparams.h"

namespace quantc::import {

Node* AddDequantize(Graph& g, Value* x, Value* scale, Value* zero_point,
                    std::optional<int64_t> axis, Node* before, const std::string& name) {
  Node* dq = g.AddNode("DequantizeLinear", {x, scale, zero_point}, {name + "_dequantized"}, before,
                       name + "_dequantize");
  if (axis) dq->SetAttr(Attribute::Int("axis", *axis));
  TensorType t = x->type();
  t.dtype = DType::kFloat32;
  dq->output(0)->set_type(t);
  return dq;
}

Node* AddQuantize(Graph& g, Value* x, Value* scale, Value* zero_point, const TensorType& type,
                  Node* before, const std::string& name) {
  Node* q = g.AddNode("QuantizeLinear", {x, scale, zero_point}, {name + "_quantized"}, before,
                      name + "_quantize");
  q->output(0)->set_type(type);
  return q;
}

Value* ZeroPointFor(Graph& g, Value* zp, const Value* scale, DType storage,
                    const std::string& base) {
  const int64_t n = scale->is_initializer() ? scale->initializer().num_elements() : 1;
  if (zp && zp->is_initializer() && zp->initializer().num_elements() == n) return zp;
  int64_t v = 0;
  if (zp && zp->is_initializer() && zp->initializer().num_elements() >= 1) {
    v = static_cast<int64_t>(zp->initializer().GetAsDouble(0));
    storage = zp->initializer().dtype();
  }
  const bool per_channel = scale->is_initializer() && scale->initializer().rank() > 0;
  return g.AddInitializer(base + "_zero_point", ZeroPointTensor(storage, v, per_channel ? n : 0));
}

absl::StatusOr<std::vector<float>> ConstantScales(const Node& n, const Value* v,
                                                  const std::string& what) {
  if (!v || !v->is_initializer() || v->initializer().dtype() != DType::kFloat32) {
    return absl::InvalidArgumentError(
        absl::StrCat(n.Describe(), ": ", what,
                     " must be a float32 constant (quantc imports static "
                     "quantization only)"));
  }
  absl::Span<const float> d = v->initializer().data<float>();
  return std::vector<float>(d.begin(), d.end());
}

std::optional<int64_t> AxisFor(const Value* scale, int64_t channel_axis) {
  if (scale && scale->is_initializer() && scale->initializer().num_elements() > 1) {
    return channel_axis;
  }
  return std::nullopt;
}

Node* QuantizeOf(const Value* v) {
  Node* p = v ? v->producer() : nullptr;
  return p && p->op_type() == "QuantizeLinear" && p->domain().empty() ? p : nullptr;
}

void TakeName(Graph& g, Node* original, Node* replacement) {
  const std::string name = original->name();
  if (name.empty()) return;
  g.RenameNode(original, name + "_replaced");
  g.RenameNode(replacement, name);
}

}  // namespace quantc::import
