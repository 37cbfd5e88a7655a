// insert_qdq: turns the calibrated float graph into a standard ONNX QDQ model.
//
//   Before:  %x_obs = quantc.Observe(%x) {range=[-1, 2]}
//            %c = Conv(%x_obs, %w, %b);  %r = Relu(%c)
//            %r_obs = quantc.Observe(%r) {range=[0, 6]}
//   After:   %x_q = QuantizeLinear(%x, %x_scale, %x_zp);  %x_dq = DequantizeLinear(%x_q, ...)
//            %w_dq = DequantizeLinear(%w_q: i8, %w_scale[C], %w_zp[C]) {axis=0}
//            %b_dq = DequantizeLinear(%b_q: i32, %b_scale[C], %b_zp[C]) {axis=0}
//            %c = Conv(%x_dq, %w_dq, %b_dq);  %r = Relu(%c)
//            %r_q = QuantizeLinear(%r, ...);  %r_dq = DequantizeLinear(%r_q, ...)
//
// Math (quant/qparams.h): activations get s, zp from their observed range;
// weights get min/max scales, or error-minimizing ones with weight_mse;
// inherit=1 observers share the scale and zero point of their producer's
// input (the same initializers), so MaxPool/Reshape/... outputs are
// requantized losslessly. Weights:
// s_w[c] = max|w_c| / (2^(bits-1) - 1), zp = 0, q = clamp(rne(w / s_w)).
// Bias: int32 with s_b[c] = s_x * s_w[c] (s_x the conv input's scale), zp 0,
// so the integer kernel adds it straight into its int32 accumulator. A bias
// that would not fit int32 there grows its channel's weight scale to
// 1.0001 |b_c| / (s_x (2^31 - 1)), as ONNX Runtime's quantizer does (a
// warning; never a clamped bias). An all-zero weight channel takes the
// layer's largest scale (its weights are 0 at any scale).
// With a weight cache (bias correction's repeated runs), each weight is
// quantized once per final scale vector and its integers shared.
// Per-channel DequantizeLinear needs opset >= 13; below that (opset 10-12)
// weights are per tensor. Opset < 10 has no QuantizeLinear: Unimplemented.
// The observers become dead; remove_dead_nodes deletes them.
#include "passes/insert_qdq.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ir/printer.h"
#include "passes/insert_observers.h"
#include "passes/quant_roles.h"
#include "quant/weight_mse.h"
#include "util/status_macros.h"

namespace quantc {

// Per weight buffer: its scales before the int32 bias fit, and its integers
// for the final scales last used. The Tensor copy keeps the buffer (and so
// its address, the key) alive.
struct WeightQuantCache {
  struct Entry {
    Tensor weight;
    int64_t axis;
    bool per_tensor;
    std::vector<float> scales;        // before FitScalesToInt32Bias
    std::vector<float> final_scales;  // what `ints` was quantized with
    Tensor ints;
  };
  absl::flat_hash_map<const char*, Entry> entries;
};

std::shared_ptr<WeightQuantCache> MakeWeightQuantCache() {
  return std::make_shared<WeightQuantCache>();
}

namespace {

struct QdqBuilder {
  Graph& g;
  const InsertQdqOptions& o;

  Value* Scalar(const std::string& base, float v) {
    return g.AddInitializer(base, Tensor::Scalar<float>(v));
  }

  // Of the storage type itself, as QuantizeLinear requires (int16 too).
  Value* ZeroPoint(const std::string& base, DType storage, int64_t zp) {
    return g.AddInitializer(base, ZeroPointTensor(storage, zp));
  }

  // x -> QuantizeLinear -> DequantizeLinear with new scale/zero-point
  // initializers; returns the DQ node.
  Node* QuantDequant(Value* x, const QParams& p, DType storage, Node* before) {
    const std::string& n = x->name();
    Value* s = Scalar(n + "_scale", p.scale);  // in this order: initializer order is output
    Value* zp = ZeroPoint(n + "_zero_point", storage, p.zero_point);
    return QuantDequantWith(x, s, zp, p, storage, before);
  }

  // Same with given scale/zero-point initializers (shared with another pair).
  Node* QuantDequantWith(Value* x, Value* s, Value* zp, const QParams& p, DType storage,
                         Node* before) {
    const std::string& n = x->name();
    Node* q = g.AddNode("QuantizeLinear", {x, s, zp}, {n + "_quantized"}, before, n + "_quantize");
    TensorType qt = x->type();
    qt.dtype = storage;
    q->output(0)->set_type(qt);
    q->output(0)->set_quant(QuantParams{storage, {p.scale}, {p.zero_point}, std::nullopt});
    Node* dq = g.AddNode("DequantizeLinear", {q->output(0), s, zp}, {n + "_dequantized"}, before,
                         n + "_dequantize");
    dq->output(0)->set_type(x->type());
    return dq;
  }

  // A quantized constant and the DequantizeLinear reading it.
  Value* ConstDequant(Node* user, const std::string& base, Tensor q, std::vector<float> scales,
                      std::optional<int64_t> axis, QuantTensorKind kind) {
    DType storage = q.dtype();
    int64_t n = static_cast<int64_t>(scales.size());
    Tensor zp(storage, axis ? std::vector<int64_t>{n} : std::vector<int64_t>{});
    Tensor st = axis ? Tensor::FromVector<float>({n}, scales) : Tensor::Scalar<float>(scales[0]);
    Value* qv = g.AddInitializer(base + "_quantized", q);
    qv->set_quant(
        QuantParams{storage, scales, std::vector<int64_t>(scales.size(), 0), axis, kind});
    Value* sv = g.AddInitializer(base + "_scale", st);
    Value* zv = g.AddInitializer(base + "_zero_point", zp);
    Node* dq = g.AddNode("DequantizeLinear", {qv, sv, zv}, {base + "_dequantized"}, user,
                         base + "_dequantize");
    if (axis) dq->SetAttr(Attribute::Int("axis", *axis));
    dq->output(0)->set_type(TensorType::Static(DType::kFloat32, q.dims()));
    return dq->output(0);
  }
};

// The DequantizeLinear an inherit=1 observer takes its quantization from:
// the one feeding its (value-preserving) producer, or nullptr when that
// input was not quantized after all.
const Node* InheritedFrom(const Node& obs) {
  if (!obs.GetInt("inherit", 0)) return nullptr;
  const Node* p = obs.input(0)->producer();
  const Node* dq = p ? DequantizeOf(p->input(0)) : nullptr;
  return dq && DequantizedParams(dq->output(0)) ? dq : nullptr;
}

absl::StatusOr<QParams> ObserverParams(const Node& obs, const InsertQdqOptions& o) {
  std::vector<float> range = obs.GetFloats("range");
  if (range.size() != 2) {
    return absl::FailedPreconditionError(absl::StrCat(
        obs.Describe(), ": observer of '", obs.input(0)->name(), "' has no range (run calibrate)"));
  }
  auto p = ActivationQParams(range[0], range[1], o.activations);
  if (!p.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(obs.Describe(), ": ", p.status().message()));
  }
  return *p;
}

// The 1-D per-output-channel float bias of `n` that will be quantized to
// int32 at s_x * s_w[c], or nullptr.
const Tensor* QuantizableBias(const Node& n, const Tensor& w, int64_t axis) {
  WeightInputs wi = WeightInputsOf(n);
  const Value* bias = wi.bias >= 0 ? n.input(wi.bias) : nullptr;
  if (!bias || !bias->is_initializer() || bias->type().dtype != DType::kFloat32) return nullptr;
  if (!DequantizedParams(n.input(0))) return nullptr;
  const Tensor& bt = bias->initializer();
  int64_t channels = axis >= 0 ? w.dims()[axis] : -1;
  if (bt.rank() != 1 || bt.dims()[0] != channels) return nullptr;
  if (n.op_type() == "Gemm" && (n.GetFloat("beta", 1.f) != 1.f || n.GetFloat("alpha", 1.f) != 1.f)) {
    return nullptr;
  }
  return &bt;
}

// A bias far larger than s_x * s_w[c] would overflow int32 and be clamped
// (a silently wrong layer). As ONNX Runtime's quantizer does, the channel's
// weight scale grows instead, to 1.0001 |b_c| / (s_x (2^31 - 1)) (a power of
// two up with `power2`): the bias stays exact, the weights lose resolution.
void FitScalesToInt32Bias(QdqBuilder& b, const Node& n, const Tensor& bias, float s_x,
                          std::vector<float>& scales) {
  std::vector<std::string> moved;
  for (int64_t c = 0; c < bias.num_elements(); ++c) {
    const size_t k = scales.size() == 1 ? 0 : static_cast<size_t>(c);
    float ns = Int32BiasWeightScale(bias.GetAsDouble(c), s_x, scales[k], b.o.weight_power2);
    if (ns == scales[k]) continue;
    moved.push_back(absl::StrCat(scales.size() == 1 ? "" : absl::StrCat("channel ", c, " "),
                                 FormatFloat(scales[k]), " -> ", FormatFloat(ns)));
    scales[k] = ns;
  }
  if (moved.empty() || !b.o.log) return;
  b.o.log->push_back({Diagnostic::Severity::kWarning, n.Describe(),
                      absl::StrCat("weight scale ", absl::StrJoin(moved, ", "),
                                   ": the bias at s_x * s_w would overflow int32 (costs those "
                                   "channels weight resolution; the bias stays exact)"),
                      std::nullopt});
}

// Returns whether anything was quantized.
absl::StatusOr<bool> QuantizeWeights(QdqBuilder& b, Node* n, int64_t opset) {
  WeightInputs wi = WeightInputsOf(*n);
  Value* w = n->input(wi.weight);
  if (!w || !w->is_initializer() || w->type().dtype != DType::kFloat32) return false;
  const Tensor& wt = w->initializer();
  int64_t axis = WeightChannelAxis(*n, wt.rank());
  bool per_tensor = b.o.weight_per_tensor || axis < 0 || opset < 13 || wt.rank() == 0;
  auto fail = [&](const absl::Status& st) {
    return absl::InvalidArgumentError(absl::StrCat(n->Describe(), ": ", st.message()));
  };
  WeightQuantCache::Entry* memo = nullptr;
  if (b.o.weight_cache && wt.raw() != nullptr) {
    auto it = b.o.weight_cache->entries.find(wt.raw());
    if (it != b.o.weight_cache->entries.end() && it->second.axis == axis &&
        it->second.per_tensor == per_tensor && it->second.weight.dims() == wt.dims()) {
      memo = &it->second;
    }
  }
  absl::StatusOr<std::vector<float>> scales =
      memo ? memo->scales
      : b.o.weight_mse ? WeightScalesMse(wt, per_tensor ? 0 : axis, b.o.weight_bits, per_tensor,
                                         b.o.weight_power2)
                       : WeightScales(wt, per_tensor ? 0 : axis, b.o.weight_bits, per_tensor,
                                      b.o.weight_power2);
  if (!scales.ok()) return fail(scales.status());
  if (!memo) {
    ReplaceDeadChannelScales(per_tensor ? AbsSumsAlongAxis(wt.Reshaped({1, wt.num_elements()}), 0)
                                        : AbsSumsAlongAxis(wt, axis),
                             *scales);
  }
  if (b.o.weight_cache && !memo && wt.raw() != nullptr) {
    memo = &b.o.weight_cache->entries[wt.raw()];
    *memo = {wt, axis, per_tensor, *scales, {}, Tensor()};
  }
  const Tensor* bias = QuantizableBias(*n, wt, axis);
  const float s_x = bias ? DequantizedParams(n->input(0))->scale[0] : 0;
  if (bias) FitScalesToInt32Bias(b, *n, *bias, s_x, *scales);
  IntRange range = RangeFor(DType::kInt8, b.o.weight_bits, /*narrow=*/true);
  std::vector<int64_t> zps(scales->size(), 0);
  absl::StatusOr<Tensor> wq =
      memo && memo->final_scales == *scales
          ? memo->ints
          : QuantizeTensor(wt, *scales, zps, per_tensor ? 0 : axis, DType::kInt8, range);
  if (!wq.ok()) return fail(wq.status());
  if (memo) {
    memo->final_scales = *scales;
    memo->ints = *wq;
  }
  std::optional<int64_t> dq_axis;
  if (!per_tensor) dq_axis = axis;
  n->SetInput(wi.weight,
              b.ConstDequant(n, w->name(), *wq, *scales, dq_axis, QuantTensorKind::kWeight));
  if (!bias) return true;
  auto bq = QuantizeBias(*bias, s_x, *scales);
  if (!bq.ok()) return fail(bq.status());
  std::vector<float> bscales = BiasScales(s_x, *scales);
  std::optional<int64_t> baxis;
  if (bscales.size() > 1) baxis = 0;
  Value* bv = n->input(wi.bias);
  n->SetInput(wi.bias, b.ConstDequant(n, bv->name(), *bq, bscales, baxis, QuantTensorKind::kBias));
  return true;
}

}  // namespace

absl::StatusOr<bool> InsertQdqPass::Run(Graph& graph) {
  if (graph.opset() < 10) {
    return absl::UnimplementedError(absl::StrCat(
        "opset ", graph.opset(), " has no QuantizeLinear; re-export the model with opset >= 13"));
  }
  QdqBuilder b{graph, options_};
  bool changed = false;
  for (Node* n : graph.nodes().ToVector()) {
    if (IsObserver(*n)) {
      Node* dq;
      if (const Node* src = InheritedFrom(*n)) {
        // Share the source's initializers: the two tensors carry one
        // quantization, and a later repair of it (legalize_tinpu) moves both.
        const QuantParams& q = *src->input(0)->quant();
        dq = b.QuantDequantWith(n->input(0), src->input(1), src->input(2),
                                QParams{q.scale[0], q.zero_point[0]}, q.storage, n);
      } else {
        QC_ASSIGN_OR_RETURN(QParams p, ObserverParams(*n, options_));
        dq = b.QuantDequant(n->input(0), p, options_.activations.storage, n);
      }
      graph.ReplaceAllUsesWith(n->output(0), dq->output(0));
      changed = true;
    } else if (RoleOf(*n) == QuantRole::kWeighted && !n->float_op()) {
      // Weights are quantized in node order, after the observer feeding
      // input 0 became a DequantizeLinear, so the bias sees the input scale.
      QC_ASSIGN_OR_RETURN(bool quantized, QuantizeWeights(b, n, graph.opset()));
      changed = changed || quantized;
    }
  }
  return changed;
}

absl::StatusOr<bool> UpdateQuantizedBias(Graph& emitted, const Node& layer, const Tensor& bias,
                                         const InsertQdqOptions& options) {
  const WeightInputs wi = WeightInputsOf(layer);
  const Value* w = layer.input(wi.weight);
  const Value* out = emitted.FindValue(layer.output(0)->name());
  Node* n = out ? out->producer() : nullptr;
  if (!options.weight_cache || !w || !w->is_initializer() || !n || wi.bias < 0 ||
      n->op_type() != layer.op_type()) {
    return false;
  }
  const Tensor& wt = w->initializer();
  auto memo = options.weight_cache->entries.find(wt.raw());
  Value* bq = DequantizedConstant(n->input(wi.bias));
  const Value* wq = DequantizedConstant(n->input(wi.weight));
  const QuantParams* xp = DequantizedParams(n->input(0));
  // The old bias was quantized (bq), so this one, of the same shape and
  // type, passes QuantizableBias too.
  if (memo == options.weight_cache->entries.end() || !bq || !wq || !xp ||
      bias.dtype() != DType::kFloat32 || bq->initializer().dims() != bias.dims()) {
    return false;
  }
  // What QuantizeWeights would do with this bias: the scales before the
  // int32 fit, fitted to the new bias, must be the ones the model has.
  InsertQdqOptions quiet = options;
  quiet.log = nullptr;
  QdqBuilder b{emitted, quiet};
  std::vector<float> scales = memo->second.scales;
  FitScalesToInt32Bias(b, layer, bias, xp->scale[0], scales);
  if (scales != wq->quant()->scale) return false;
  auto q = QuantizeBias(bias, xp->scale[0], scales);
  if (!q.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(layer.Describe(), ": ", q.status().message()));
  }
  emitted.SetInitializer(bq, *std::move(q));
  return true;
}

}  // namespace quantc
