// fold_qat_batch_norm: PyTorch's QAT Conv+BatchNorm (ConvBn1d/2d, with or
// without ReLU) simulates BN folding during training and exports it
// unfolded:
//
//   Before:  %c = Conv(%x_dq, DequantizeLinear(%w_q, s_w[C]) {axis=0}, %zero_bias)
//            %d = Div(%c, %f[1,C,1,1]);  %a = Add(%d, %b[1,C,1,1])
//            %n = BatchNormalization(%a, %gamma, %beta, %mean, %var);  %r = Relu(%n)
//   After:   %c = Conv(%x_dq, DequantizeLinear(%w_q, s_w[C] * k[C]) {axis=0}, %bias[C]);  %r =
//   Relu(%c)
//
// Math: each op of the chain is y = m[c] x + t[c] per output channel (Mul,
// Div, Add, Sub by constants broadcasting along the channel axis; BN in
// inference: m = gamma / sqrt(var + eps), t = beta - mean m), so the chain is
// y = k[c] conv(x, w) + e[c] with k the product of the m's. conv is linear
// in w, so k folds into the weight's per-channel scale, s_w[c] k[c] (the
// integers stay exactly as imported; k < 0 negates them, -128 saturating
// to 127), and the bias becomes k (b0 + ...) + e. For PyTorch's chain k is
// 1 up to float32 rounding (it divides by the BN scale it multiplies back):
// a k within 1e-6 of 1 is taken as exactly 1, so the imported scales stay
// untouched (powers of two stay powers of two). Only when every op in the
// chain is the single reader of the previous tensor; the chain's old nodes
// become dead.
#include "passes/import/fold_qat_batch_norm.h"

#include <cmath>
#include <optional>

#include "absl/strings/str_cat.h"
#include "passes/quant_roles.h"
#include "quant/qparams.h"

namespace quantc {
namespace {

Node* OnlyUser(const Graph& g, const Value* v) {
  if (v->uses().size() != 1 || g.IsGraphOutput(v)) return nullptr;
  return v->uses()[0].user;
}

// Per-channel values of a constant that broadcasts along axis 1 of a
// rank-`rank` tensor with `channels` channels (scalar, [C], [C,1..], [1,C,1..]).
std::optional<std::vector<double>> PerChannel(const Value* v, int64_t rank, int64_t channels) {
  if (!v || !v->is_initializer() || v->type().dtype != DType::kFloat32) return std::nullopt;
  const Tensor& t = v->initializer();
  std::vector<double> out(static_cast<size_t>(channels));
  if (t.num_elements() == 1) {
    for (double& o : out) o = t.GetAsDouble(0);
    return out;
  }
  if (t.num_elements() != channels || t.rank() > rank) return std::nullopt;
  const int64_t lead = rank - t.rank();
  for (int64_t d = 0; d < t.rank(); ++d) {
    if (d + lead != 1 && t.dims()[d] != 1) return std::nullopt;
  }
  for (int64_t c = 0; c < channels; ++c) out[c] = t.GetAsDouble(c);
  return out;
}

struct Chain {
  Node* conv;
  Node* last;
  std::vector<double> k, e;  // y = k conv_without_bias + e
};

// Applies one op of the chain to (k, e); false when it is not per-channel affine.
bool Step(const Node& n, const Value* x, int64_t rank, int64_t channels, Chain& c) {
  const std::string& op = n.op_type();
  if (!n.domain().empty()) return false;
  if (op == "BatchNormalization") {
    if (n.input(0) != x || n.num_outputs() > 1 && !n.output(1)->name().empty()) return false;
    // BN parameters are [C] vectors: channel axis 1 of a rank-2 view.
    auto gamma = PerChannel(n.input(1), 2, channels), beta = PerChannel(n.input(2), 2, channels);
    auto mean = PerChannel(n.input(3), 2, channels), var = PerChannel(n.input(4), 2, channels);
    if (!gamma || !beta || !mean || !var) return false;
    const double eps = n.GetFloat("epsilon", 1e-5f);
    for (int64_t i = 0; i < channels; ++i) {
      const double m = (*gamma)[i] / std::sqrt((*var)[i] + eps);
      c.k[i] *= m;
      c.e[i] = c.e[i] * m + (*beta)[i] - (*mean)[i] * m;
    }
    return true;
  }
  if (op != "Mul" && op != "Div" && op != "Add" && op != "Sub") return false;
  const int xi = n.input(0) == x ? 0 : 1;
  if (n.input(xi) != x || ((op == "Div" || op == "Sub") && xi != 0)) return false;
  auto v = PerChannel(n.input(1 - xi), rank, channels);
  if (!v) return false;
  for (int64_t i = 0; i < channels; ++i) {
    const double a = (*v)[i];
    if (op == "Mul") {
      c.k[i] *= a;
      c.e[i] *= a;
    }
    if (op == "Div") {
      c.k[i] /= a;
      c.e[i] /= a;
    }
    if (op == "Add") c.e[i] += a;
    if (op == "Sub") c.e[i] -= a;
  }
  return true;
}

std::optional<Chain> Match(const Graph& g, Node* conv) {
  if (conv->op_type() != "Conv" || !conv->domain().empty() || conv->float_op()) return std::nullopt;
  const Value* w = DequantizedConstant(conv->input(1));
  const auto dims = conv->output(0)->type().StaticDims();
  if (!w || w->quant()->kind != QuantTensorKind::kWeight || !dims || dims->size() < 3)
    return std::nullopt;
  // The weight and its DequantizeLinear belong to this conv alone.
  if (w->uses().size() != 1 || conv->input(1)->uses().size() != 1) return std::nullopt;
  const int64_t channels = (*dims)[1];
  const int64_t rank = static_cast<int64_t>(dims->size());
  Chain c{conv, nullptr, std::vector<double>(channels, 1.0), std::vector<double>(channels, 0.0)};
  const Value* x = conv->output(0);
  for (Node* n = OnlyUser(g, x); n && Step(*n, x, rank, channels, c); n = OnlyUser(g, x)) {
    c.last = n;
    x = n->output(0);
  }
  if (!c.last) return std::nullopt;
  const QuantParams& p = *w->quant();
  bool zero_points = false;
  for (int64_t z : p.zero_point) zero_points = zero_points || z != 0;
  for (double k : c.k) {
    if (!(std::abs(k) > 0) || !std::isfinite(k)) return std::nullopt;
    // Negating integers needs symmetric int8 weights.
    if (k < 0 && (p.storage != DType::kInt8 || zero_points)) return std::nullopt;
  }
  return c;
}

void Fold(Graph& g, Chain& c) {
  Node* conv = c.conv;
  Node* dq = DequantizeOf(conv->input(1));
  Value* w = dq->input(0);
  QuantParams p = *w->quant();
  const int64_t channels = static_cast<int64_t>(c.k.size());
  std::vector<double> b0(channels, 0.0);
  if (const Value* b = conv->input(2)) {
    const Value* bq = DequantizedConstant(b);
    for (int64_t i = 0; i < channels; ++i) {
      b0[i] = bq ? bq->initializer().GetAsDouble(i) *
                       bq->quant()->scale[bq->quant()->scale.size() == 1 ? 0 : i]
                 : b->initializer().GetAsDouble(i);
    }
  }
  std::vector<float> scales(channels);
  std::vector<float> bias(channels);
  bool negate_any = false;
  for (int64_t i = 0; i < channels; ++i) {
    double k = c.k[i];
    if (std::abs(std::abs(k) - 1) < 1e-6) k = k < 0 ? -1 : 1;
    scales[i] = static_cast<float>(p.scale[p.scale.size() == 1 ? 0 : i] * std::abs(k));
    bias[i] = static_cast<float>(c.k[i] * b0[i] + c.e[i]);
    negate_any = negate_any || k < 0;
  }
  const std::string base = conv->name().empty() ? conv->output(0)->name() : conv->name();
  Value* ints = w;
  if (negate_any) {
    const Tensor& t = w->initializer();
    Tensor nt(t.dtype(), t.dims());
    const int64_t inner = t.num_elements() / channels;
    const IntRange r = RangeFor(DType::kInt8, 8, /*narrow=*/false);
    for (int64_t k = 0; k < t.num_elements(); ++k) {
      const double v = t.GetAsDouble(k) * (c.k[k / inner] < 0 ? -1 : 1);
      nt.mutable_data<int8_t>()[k] = static_cast<int8_t>(
          std::clamp(v, static_cast<double>(r.qmin), static_cast<double>(r.qmax)));
    }
    ints = g.AddInitializer(base + "_weight_folded", nt);
  }
  std::vector<int64_t> zps(channels);
  Tensor zt(p.storage, {channels});
  for (int64_t i = 0; i < channels; ++i) {
    zps[i] = p.zero_point[p.zero_point.size() == 1 ? 0 : i];
    if (p.storage == DType::kInt8) zt.mutable_data<int8_t>()[i] = static_cast<int8_t>(zps[i]);
    if (p.storage == DType::kUInt8) zt.mutable_data<uint8_t>()[i] = static_cast<uint8_t>(zps[i]);
  }
  p.scale = scales;
  p.zero_point = zps;
  p.axis = 0;
  ints->set_quant(p);
  Value* s = g.AddInitializer(base + "_weight_scale_folded",
                              Tensor::FromVector<float>({channels}, scales));
  Value* zp = g.AddInitializer(base + "_weight_zero_point_folded", zt);
  Node* ndq = g.AddNode("DequantizeLinear", {ints, s, zp}, {base + "_weight_folded_dequantized"},
                        conv, base + "_weight_folded_dequantize");
  ndq->SetAttr(Attribute::Int("axis", 0));
  ndq->output(0)->set_type(dq->output(0)->type());
  conv->SetInput(1, ndq->output(0));
  Value* b = g.AddInitializer(base + "_bias_folded", Tensor::FromVector<float>({channels}, bias));
  if (conv->num_inputs() > 2) {
    conv->SetInput(2, b);
  } else {
    conv->AddInput(b);
  }
  TensorType t = c.last->output(0)->type();
  g.ReplaceAllUsesWith(c.last->output(0), conv->output(0));
  if (t.shape) conv->output(0)->set_type(t);
}

}  // namespace

absl::StatusOr<bool> FoldQatBatchNormPass::Run(Graph& graph) {
  bool changed = false;
  for (Node* n : graph.nodes().ToVector()) {
    std::optional<Chain> c = Match(graph, n);
    if (!c) continue;
    Fold(graph, *c);
    changed = true;
  }
  return changed;
}

}  // namespace quantc
