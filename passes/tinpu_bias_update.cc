// UpdateTinpuBias (see the header). Why the result equals a new emission:
// * insert_qdq: only the layer's int32 bias depends on the float bias
//   (UpdateQuantizedBias says when the weight scales would move too).
// * legalize_tinpu visits QuantizeLinears in order; only the one after this
//   layer reads its bias. Without a repair there (refit holds the layers
//   that had one with the old bias; Check says whether the new one needs
//   one), its visit requantizes the int32 bias once, from insert_qdq's
//   scales to the accumulator's (RequantizedBias), and changes nothing the
//   bias enters.
// * lower_to_integer: the bias enters only the layer's OSS block (offset
//   qbias[c]; multiplier and shift, realized by the legality model for that
//   offset) and its tap's offset.
#include "passes/tinpu_bias_update.h"

#include <algorithm>
#include <optional>

#include "backends/tinpu/legality.h"
#include "passes/legalize_tinpu.h"
#include "passes/quant_roles.h"
#include "passes/tinpu_requant.h"
#include "util/status_macros.h"

namespace quantc {
namespace {

// The constants of the OSS block lower_to_integer builds on `acc`
// (IntegerBuilder::Oss: Add offset, Mul multiplier, Mul shift).
struct OssConstants {
  Value* offset;
  Value* mult;
  Value* shift_mult;
};

// The constant input 1 of the only reader of `v`, an `op` node.
Value* ConstantOfOnlyUse(const Value* v, const char* op, Value** out) {
  if (v == nullptr || v->uses().size() != 1) return nullptr;
  const Use& u = v->uses()[0];
  if (u.user->op_type() != op || u.index != 0 || u.user->num_inputs() != 2) return nullptr;
  Value* c = u.user->input(1);
  if (!c->is_initializer()) return nullptr;
  *out = u.user->output(0);
  return c;
}

std::optional<OssConstants> OssOn(const Value* acc) {
  Value* biased = nullptr;
  Value* scaled = nullptr;
  Value* shifted = nullptr;
  OssConstants k;
  k.offset = ConstantOfOnlyUse(acc, "Add", &biased);
  k.mult = ConstantOfOnlyUse(biased, "Mul", &scaled);
  k.shift_mult = ConstantOfOnlyUse(scaled, "Mul", &shifted);
  if (!k.offset || !k.mult || !k.shift_mult) return std::nullopt;
  return k;
}

// Replaces a per-channel constant keeping its shape; false if the count of
// values differs.
bool SetChannels(Graph& g, Value* v, const std::vector<float>& values) {
  const Tensor& old = v->initializer();
  if (old.dtype() != DType::kFloat32 || old.num_elements() != static_cast<int64_t>(values.size())) {
    return false;
  }
  g.SetInitializer(v, Tensor::FromVector<float>(old.dims(), values));
  return true;
}

// The QuantizeLinear after `layer` in the legalized model (through a fused
// Relu/Clip), if it is the layer's own weighted requantization.
Node* WeightedQuantize(const Graph& g, const Node* layer) {
  const Value* v = layer->output(0);
  for (int hops = 0; hops < 3 && v->uses().size() == 1; ++hops) {
    Node* u = v->uses()[0].user;
    if (u->op_type() == "QuantizeLinear") {
      TinpuMatch m = MatchTinpu(g, u);
      return m.pattern == TinpuPattern::kWeighted && m.op == layer ? u : nullptr;
    }
    v = u->output(0);
  }
  return nullptr;
}

// Sets the legalized model's int32 bias of `name` from insert_qdq's, as
// legalization does; the legalized layer, or nullptr.
Node* LegalizeBias(TinpuBiasState& s, const std::string& name, int bias_index) {
  const Value* pv = s.qdq->FindValue(name);
  const Value* lv = s.legalized->FindValue(name);
  if (!pv || !lv || !pv->producer() || !lv->producer()) return nullptr;
  Node* lm = lv->producer();
  const Value* pb = DequantizedConstant(pv->producer()->input(bias_index));
  Value* lb = DequantizedConstant(lm->input(bias_index));
  if (!pb || !lb || !pb->quant() || !lb->quant()) return nullptr;
  const std::vector<float>& from = pb->quant()->scale;
  const std::vector<float>& to = lb->quant()->scale;
  if (from.size() != to.size()) return nullptr;
  s.legalized->SetInitializer(lb, from == to ? pb->initializer()
                                             : RequantizedBias(pb->initializer(), from, to));
  return lm;
}

}  // namespace

absl::StatusOr<bool> UpdateTinpuBias(TinpuBiasState& state, Graph& lowered,
                                     std::vector<LayerTap>& taps, const Node& layer,
                                     const Tensor& bias) {
  const std::string& name = layer.output(0)->name();
  const int bias_index = WeightInputsOf(layer).bias;
  if (bias_index < 0 || std::count(state.refit.begin(), state.refit.end(), name) > 0) return false;
  auto tap = std::find_if(taps.begin(), taps.end(),
                          [&](const LayerTap& t) { return t.layer_output == name; });
  if (tap == taps.end()) return false;
  std::optional<OssConstants> oss = OssOn(tap->value);
  if (!oss) return false;
  QC_ASSIGN_OR_RETURN(bool updated,
                      UpdateQuantizedBias(*state.qdq, layer, bias, state.qdq_options));
  Node* lm = updated ? LegalizeBias(state, name, bias_index) : nullptr;
  Node* q = lm ? WeightedQuantize(*state.legalized, lm) : nullptr;
  if (!q) return false;
  const tinpu::Legality model(tinpu::BitWidths{state.weight_bits});
  auto requants = RequantsOf(MatchTinpu(*state.legalized, q), model, state.input_prequantized);
  if (!requants.ok() || requants->size() != 1) return false;
  const tinpu::Requant& r = (*requants)[0];
  const float s = q->output(0)->quant()->scale[0];
  if (model.Check(r, s) || r.unit != tap->scale) return false;  // a repair would follow
  auto z = model.Realize(r, s);
  if (!z.ok() || !SetChannels(lowered, oss->offset, z->oss.offset) ||
      !SetChannels(lowered, oss->mult, z->oss.mult) ||
      !SetChannels(lowered, oss->shift_mult, z->oss.shift_mult)) {
    return false;
  }
  tap->offset = r.offset;
  return true;
}

}  // namespace quantc
