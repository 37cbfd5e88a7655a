// normalize_weights: imported weights in quantc's form (int8, symmetric,
// per output channel), keeping the source's integers wherever that form can
// hold them.
//
//   Before:  %w_dq = DequantizeLinear(%w: u8[16,8,3,3], %s: f32 [0.02], %zp: u8 [128])
//   After:   %w_dq = DequantizeLinear(%w_i8: i8[16,8,3,3], %s_c: f32[16], %zp_c: i8[16] zeros)
//   {axis=0}
//            with w_i8 = w - 128 (the same real values)
//
// Math: real = (q - zp) * s. A per-tensor scale becomes one scale per output
// channel (the same value C times: exact). A non-zero zero point (or uint8
// storage) becomes zero point 0 with integers q - zp when they fit int8
// (exact, e.g. uint8 with zero point 128). Otherwise (asymmetric weights
// whose range is off-centre) the channel is requantized symmetrically from
// its real values: s' = max|real_c| / 127, q' = rne(real / s'), a warning
// (the only case that changes the weights). Needs opset >= 13 for
// per-channel DequantizeLinear (quantize upgrades older models); layers
// without a per-channel axis (grouped ConvTranspose) stay per tensor.
#include "passes/import/normalize_weights.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "passes/quant_roles.h"
#include "quant/numeric.h"
#include "quant/qparams.h"

namespace quantc {
namespace {

struct Layout {
  int64_t channels = 1;
  int64_t inner = 1;
};

Layout LayoutOf(const Tensor& t, int64_t axis) {
  Layout l;
  l.channels = t.dims()[axis];
  for (int64_t d = axis + 1; d < t.rank(); ++d) l.inner *= t.dims()[d];
  return l;
}

class Normalizer {
 public:
  Normalizer(Graph& g, const NormalizeWeightsOptions& o) : g_(g), o_(o) {}

  bool Run() {
    for (Node* n : g_.nodes().ToVector()) {
      if (n->op_type() != "DequantizeLinear" || !n->domain().empty()) continue;
      Value* w = n->input(0);
      if (!w->is_initializer() || !w->quant() || w->quant()->kind != QuantTensorKind::kWeight)
        continue;
      if (!done_.insert(w).second) continue;
      Normalize(n, w);
    }
    return changed_;
  }

 private:
  void Normalize(Node* dq, Value* w) {
    const QuantParams& p = *w->quant();
    const Tensor& t = w->initializer();
    const Node& layer = *dq->output(0)->uses()[0].user;
    int64_t axis = p.axis ? *p.axis : WeightChannelAxis(layer, t.rank());
    if (axis < 0 || g_.opset() < 13 || t.rank() == 0) {
      if (p.axis || p.storage == DType::kInt8) return;  // nothing quantc needs here
      axis = 0;
    }
    const Layout l = LayoutOf(t, axis);
    const bool per_tensor = p.scale.size() == 1 && !(p.axis);
    std::vector<float> scales(static_cast<size_t>(l.channels));
    std::vector<int64_t> zps(scales.size());
    for (int64_t c = 0; c < l.channels; ++c) {
      scales[c] = p.scale[per_tensor ? 0 : c];
      zps[c] = p.zero_point[per_tensor ? 0 : c];
    }
    const bool symmetric_int8 =
        p.storage == DType::kInt8 &&
        std::all_of(zps.begin(), zps.end(), [](int64_t z) { return z == 0; });
    if (symmetric_int8 && !per_tensor) return;
    Tensor q(DType::kInt8, t.dims());
    std::vector<int64_t> moved;
    for (int64_t c = 0; c < l.channels; ++c) {
      if (!ShiftChannel(t, l, c, zps[c], q)) {
        RequantizeChannel(t, l, c, zps[c], scales[c], q);
        moved.push_back(c);
      }
    }
    QuantParams np = p;
    np.storage = DType::kInt8;
    np.scale = scales;
    np.zero_point.assign(scales.size(), 0);
    np.axis = axis;
    g_.SetInitializer(w, q);
    w->set_quant(np);
    const int64_t n = l.channels;
    dq->SetInput(1,
                 g_.AddInitializer(w->name() + "_scale", Tensor::FromVector<float>({n}, scales)));
    dq->SetInput(2,
                 g_.AddInitializer(w->name() + "_zero_point", ZeroPointTensor(DType::kInt8, 0, n)));
    dq->SetAttr(Attribute::Int("axis", axis));
    changed_ = true;
    if (!moved.empty() && o_.log) {
      o_.log->push_back({Diagnostic::Severity::kWarning,
                         absl::StrCat("weights of ", layer.Describe()),
                         absl::StrCat(moved.size(), " of ", n,
                                      " channels requantized symmetrically "
                                      "(their asymmetric integers minus the zero point do not fit "
                                      "int8): up to half a step of weight error"),
                         std::nullopt});
    }
  }

  // q - zp into int8; false when some value does not fit.
  static bool ShiftChannel(const Tensor& t, const Layout& l, int64_t c, int64_t zp, Tensor& q) {
    for (int64_t o = 0; o < t.num_elements() / (l.channels * l.inner); ++o) {
      for (int64_t i = 0; i < l.inner; ++i) {
        const int64_t k = (o * l.channels + c) * l.inner + i;
        const double v = t.GetAsDouble(k) - static_cast<double>(zp);
        const IntRange r = RangeFor(DType::kInt8, 8, /*narrow=*/false);
        if (v < static_cast<double>(r.qmin) || v > static_cast<double>(r.qmax)) return false;
        q.mutable_data<int8_t>()[k] = static_cast<int8_t>(v);
      }
    }
    return true;
  }

  static void RequantizeChannel(const Tensor& t, const Layout& l, int64_t c, int64_t zp,
                                float& scale, Tensor& q) {
    const int64_t outer = t.num_elements() / (l.channels * l.inner);
    double max_abs = 0;
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i = 0; i < l.inner; ++i) {
        const int64_t k = (o * l.channels + c) * l.inner + i;
        max_abs = std::max(max_abs, std::abs((t.GetAsDouble(k) - zp) * scale));
      }
    }
    const IntRange r = RangeFor(DType::kInt8, 8, /*narrow=*/true);
    const double qmax = static_cast<double>(r.qmax);
    const float ns = std::max(static_cast<float>(max_abs / qmax), kMinScale);
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i = 0; i < l.inner; ++i) {
        const int64_t k = (o * l.channels + c) * l.inner + i;
        const double v = RoundHalfEven((t.GetAsDouble(k) - zp) * scale / ns);
        q.mutable_data<int8_t>()[k] = static_cast<int8_t>(std::clamp(v, -qmax, qmax));
      }
    }
    scale = ns;
  }

  Graph& g_;
  const NormalizeWeightsOptions& o_;
  bool changed_ = false;
  absl::flat_hash_set<const Value*> done_;
};

}  // namespace

absl::StatusOr<bool> NormalizeWeightsPass::Run(Graph& graph) {
  return Normalizer(graph, options_).Run();
}

}  // namespace quantc
