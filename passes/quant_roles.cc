#include "passes/quant_roles.h"

#include <string>

#include "quant/qparams.h"

namespace quantc {
namespace {

bool OneOf(const std::string& op, std::initializer_list<absl::string_view> ops) {
  for (absl::string_view o : ops) {
    if (op == o) return true;
  }
  return false;
}

// Pad only preserves values when it pads with a representable constant: 0
// (the default), which every affine scheme represents exactly.
bool PadsWithZero(const Node& n) {
  if (n.GetString("mode", "constant") != "constant") return true;  // edge/reflect copy values
  const Value* v = n.input(2);
  if (!v) return n.GetFloat("value", 0.0f) == 0.0f;
  if (!v->is_initializer()) return false;
  const Tensor& t = v->initializer();
  return t.num_elements() == 0 || t.GetAsDouble(0) == 0.0;
}

}  // namespace

QuantRole RoleOf(const Node& n) {
  const std::string& op = n.op_type();
  if (!n.domain().empty()) return QuantRole::kOwnRange;
  if (OneOf(op, {"Conv", "ConvTranspose", "Gemm", "MatMul"})) return QuantRole::kWeighted;
  if (OneOf(op, {"Relu", "Clip"})) return QuantRole::kActivation;
  if (OneOf(op, {"MaxPool", "GlobalMaxPool", "Reshape", "Flatten", "Transpose", "Squeeze",
                 "Unsqueeze", "Identity", "Dropout", "Slice", "Split", "Gather", "Expand",
                 "Tile", "DepthToSpace", "SpaceToDepth", "ReduceMax", "ReduceMin"})) {
    return QuantRole::kValuePreserving;
  }
  if (op == "Pad") return PadsWithZero(n) ? QuantRole::kValuePreserving : QuantRole::kOwnRange;
  return QuantRole::kOwnRange;
}

WeightInputs WeightInputsOf(const Node& n) {
  const std::string& op = n.op_type();
  if (op == "Conv" || op == "ConvTranspose" || op == "Gemm") return {1, 2};
  if (op == "MatMul") return {1, -1};
  return {};
}

int64_t WeightChannelAxis(const Node& n, int64_t weight_rank) {
  const std::string& op = n.op_type();
  if (op == "Conv") return 0;
  if (op == "ConvTranspose") return n.GetInt("group", 1) == 1 ? 1 : -1;
  if (op == "Gemm") return n.GetInt("transB", 0) ? 0 : 1;
  if (op == "MatMul") return weight_rank >= 2 ? weight_rank - 1 : -1;
  return -1;
}

bool FusesIntoProducer(const Graph& g, const Node& activation) {
  if (RoleOf(activation) != QuantRole::kActivation || !activation.input(0)) return false;
  const Value* in = activation.input(0);
  const Node* producer = in->producer();
  if (!producer || in->uses().size() != 1 || g.IsGraphOutput(in)) return false;
  return RoleOf(*producer) == QuantRole::kWeighted ||
         (producer->op_type() == "Add" && producer->domain().empty());
}

Node* DequantizeOf(const Value* v) {
  Node* p = v ? v->producer() : nullptr;
  return p && p->op_type() == "DequantizeLinear" && p->domain().empty() ? p : nullptr;
}

const QuantParams* DequantizedParams(const Value* v) {
  const Node* dq = DequantizeOf(v);
  if (!dq || !dq->input(0) || !dq->input(0)->quant()) return nullptr;
  return &*dq->input(0)->quant();
}

Value* DequantizedConstant(const Value* v) {
  const Node* dq = DequantizeOf(v);
  Value* c = dq ? dq->input(0) : nullptr;
  return c && c->is_initializer() && c->quant() ? c : nullptr;
}

Value* DequantizedOutput(const Node& q) {
  for (const Use& u : q.output(0)->uses()) {
    if (u.user->op_type() == "DequantizeLinear") return u.user->output(0);
  }
  return nullptr;
}

Computation ComputationOf(const Graph& g, Node* producer) {
  if (RoleOf(*producer) == QuantRole::kActivation && FusesIntoProducer(g, *producer)) {
    return {producer->input(0)->producer(), producer};
  }
  return {producer, nullptr};
}

std::vector<double> WeightAbsSums(const Node& layer, int64_t channels) {
  WeightInputs wi = WeightInputsOf(layer);
  const Value* w = wi.weight >= 0 ? DequantizedConstant(layer.input(wi.weight)) : nullptr;
  if (!w || channels <= 0) return {};
  const Tensor& t = w->initializer();
  int64_t axis = WeightChannelAxis(layer, t.rank());
  if (axis >= 0 && t.dims()[axis] == channels) {
    return AbsSumsAlongAxis(t, axis);
  }
  double total = AbsSumsAlongAxis(t.Reshaped({1, t.num_elements()}), 0)[0];
  return std::vector<double>(static_cast<size_t>(channels), total);
}

}  // namespace quantc
