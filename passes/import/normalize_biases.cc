// normalize_biases: the bias of every quantized layer as an int32 constant
// at the layer's accumulator scale.
//
//   Before:  %c = Conv(%x_dq (s_x), %w_dq (s_w[C]), %b: f32[C])               (PyTorch's export)
//   After:   %c = Conv(%x_dq, %w_dq, DequantizeLinear(%b_q: i32[C], s_x * s_w[C], 0) {axis=0})
//   Before:  %c = Conv(%x_dq, %w_dq, DequantizeLinear(%b_q: i32[C], s_b[C], 0))   (s_b != s_x s_w)
//   After:   %c = Conv(%x_dq, %w_dq, DequantizeLinear(rne(%b_q s_b / (s_x s_w)), s_x s_w, 0))
//
// Math: q_b[c] = rne(b[c] / (s_x s_w[c])) (QuantizeBias), so the integer
// kernel adds it straight into its accumulator; the rounding moves each
// output by at most half an accumulator step (s_x s_w[c] / 2), far below
// the output's own step. A layer qualifies when its input and weight are
// dequantized (quantized) and it is no float op; Gemm only with alpha =
// beta = 1 and a [C] bias. A bias that would overflow int32 is left as it
// is, with a warning (integer kernels would clamp it).
#include "passes/import/normalize_biases.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "passes/quant_roles.h"
#include "quant/qparams.h"

namespace quantc {
namespace {

// The bias's real values, or nullopt when it is not a [channels] constant
// (float, or a dequantized int32).
std::optional<Tensor> RealBias(const Value* b, int64_t channels) {
  if (!b) return std::nullopt;
  if (const Value* q = DequantizedConstant(b)) {
    const QuantParams& p = *q->quant();
    const Tensor& t = q->initializer();
    if (t.num_elements() != channels || t.dtype() != DType::kInt32) return std::nullopt;
    Tensor real(DType::kFloat32, {channels});
    for (int64_t c = 0; c < channels; ++c) {
      real.mutable_data<float>()[c] =
          static_cast<float>((t.GetAsDouble(c) - p.zero_point[p.zero_point.size() == 1 ? 0 : c]) *
                             p.scale[p.scale.size() == 1 ? 0 : c]);
    }
    return real;
  }
  if (!b->is_initializer() || b->type().dtype != DType::kFloat32) return std::nullopt;
  const Tensor& t = b->initializer();
  if (t.num_elements() != channels) return std::nullopt;
  return t.Reshaped({channels});
}

}  // namespace

absl::StatusOr<bool> NormalizeBiasesPass::Run(Graph& graph) {
  bool changed = false;
  for (Node* n : graph.nodes().ToVector()) {
    if (RoleOf(*n) != QuantRole::kWeighted || n->float_op()) continue;
    const WeightInputs wi = WeightInputsOf(*n);
    const QuantParams* xp = DequantizedParams(n->input(0));
    const Value* w = DequantizedConstant(n->input(wi.weight));
    if (wi.bias < 0 || !n->input(wi.bias) || !xp || !w || xp->scale.size() != 1) continue;
    if (n->op_type() == "Gemm" &&
        (n->GetFloat("alpha", 1.f) != 1.f || n->GetFloat("beta", 1.f) != 1.f)) {
      continue;
    }
    const std::vector<float>& ws = w->quant()->scale;
    const int64_t axis = WeightChannelAxis(*n, w->initializer().rank());
    const int64_t channels = axis >= 0 ? w->initializer().dims()[axis] : 1;
    std::optional<Tensor> real = RealBias(n->input(wi.bias), channels);
    if (!real) continue;
    const std::vector<float> target = BiasScales(xp->scale[0], ws);
    const Value* old = DequantizedConstant(n->input(wi.bias));
    if (old && old->quant()->scale == target) continue;
    const double lim = static_cast<double>(RangeFor(DType::kInt32, 32, false).qmax);
    bool overflow = false;
    for (int64_t c = 0; c < channels; ++c) {
      overflow =
          overflow || std::abs(real->GetAsDouble(c) / target[target.size() == 1 ? 0 : c]) > lim;
    }
    if (overflow) {
      if (options_.log) {
        options_.log->push_back({Diagnostic::Severity::kWarning, n->Describe(),
                                 "bias does not fit int32 at s_x * s_w; left as the source has it",
                                 std::nullopt});
      }
      continue;
    }
    absl::StatusOr<Tensor> q = QuantizeBias(*real, xp->scale[0], ws);
    if (!q.ok())
      return absl::InvalidArgumentError(absl::StrCat(n->Describe(), ": ", q.status().message()));
    const std::string base = n->input(wi.bias)->name();
    const int64_t k = static_cast<int64_t>(target.size());
    Value* qv = graph.AddInitializer(base + "_int32", *q);
    std::optional<int64_t> qaxis;
    if (k > 1) qaxis = 0;
    qv->set_quant(QuantParams{DType::kInt32, target, std::vector<int64_t>(target.size(), 0), qaxis,
                              QuantTensorKind::kBias});
    Value* s =
        graph.AddInitializer(base + "_int32_scale", k > 1 ? Tensor::FromVector<float>({k}, target)
                                                          : Tensor::Scalar<float>(target[0]));
    Value* zp = graph.AddInitializer(base + "_int32_zero_point",
                                     ZeroPointTensor(DType::kInt32, 0, k > 1 ? k : 0));
    Node* dq = graph.AddNode("DequantizeLinear", {qv, s, zp}, {base + "_int32_dequantized"}, n,
                             base + "_int32_dequantize");
    if (qaxis) dq->SetAttr(Attribute::Int("axis", 0));
    dq->output(0)->set_type(TensorType::Static(DType::kFloat32, {channels}));
    n->SetInput(wi.bias, dq->output(0));
    changed = true;
    if (options_.log) {
      options_.log->push_back(
          {Diagnostic::Severity::kNote, n->Describe(),
           old ? "int32 bias requantized to the accumulator scale s_x * s_w"
               : "float bias quantized to int32 at the accumulator scale s_x * s_w",
           std::nullopt});
    }
  }
  return changed;
}

}  // namespace quantc
