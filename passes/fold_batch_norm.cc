// fold_batch_norm: folds an inference-mode BatchNormalization into the
// Conv, ConvTranspose or Gemm that feeds it, so the quantizer sees one
// affine op with per-channel weights instead of two ops.
//
//   Before:  %c = Conv(%x, %w, %b) @conv1
//            %y = BatchNormalization(%c, %scale, %B, %mean, %var)
//   After:   %y_folded = Conv(%x, %conv1_bn_folded_weight, %conv1_bn_folded_bias)
//            (all uses of %y now read %y_folded; the old Conv and BN are
//            dead and left for remove_dead_nodes)
//
// Math, per output channel c, computed in double and stored as float32:
//   g[c]  = scale[c] / sqrt(var[c] + epsilon)          (epsilon default 1e-5)
//   W'    = W scaled by g along the output-channel axis
//   b'[c] = (b[c] - mean[c]) * g[c] + B[c]              (b = 0 when absent)
// The output-channel axis of the weight depends on the producer:
//   Conv           W[C_out, C_in/group, k...]: axis 0.
//   ConvTranspose  W[C_in, C_out/group, k...]: input channel i of group
//                  i / (C_in/group) feeds output channels
//                  group_index * (C_out/group) + j, for j along axis 1.
//   Gemm           Y = alpha * A' * B' + beta * C, output column n:
//                  B is [K, N] (axis 1) when transB = 0, [N, K] (axis 0)
//                  when transB = 1. Scaling B keeps alpha exact; beta is
//                  folded into the new bias: b'[n] = (beta*C[n] - mean[n])
//                  * g[n] + B[n], and the new Gemm has beta = 1.
//
// Preconditions (otherwise the BN is left alone, with no error; the
// quantizer later treats it as a per-channel affine op):
//   * the BN is in inference form: training_mode absent or 0 (opset 14+),
//     spatial absent or 1 (opsets 7-8), outputs other than Y unused;
//   * the BN input is used only by the BN and is not a graph output;
//   * the producer's weight (and bias / Gemm C, when present) and every BN
//     parameter are float initializers of matching shape, and var + eps > 0;
//   * Gemm's C is absent or broadcasts per output column ([N], [1,N] or a
//     single element);
//   * the activation dtype is known float32 and, where the activation shape
//     is known, it agrees with the weight (rank and channel count). An
//     unknown activation shape does not block the fold: the weight alone
//     fixes the channel count.
// The weight and bias are always new initializers, so a weight shared with
// another node is never modified.
#include "passes/fold_batch_norm.h"

#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace quantc {
namespace {

enum class ProducerKind { kConv, kConvTranspose, kGemm };

struct BatchNormFoldMatch {
  Node* producer;
  const Node* bn;
  ProducerKind kind;
  const Value* weight;
  const Value* bias;  // Conv bias or Gemm C; nullptr when absent
  int64_t channels;
  int64_t group = 1;                      // ConvTranspose
  bool trans_b = false;                   // Gemm
  double gemm_beta = 1;                   // Gemm
  std::vector<double> gain, mean, shift;  // g, mean and B per channel
  std::vector<double> scale, var;         // gamma and the running variance
  double epsilon = 1e-5;
};

bool IsFloat32Initializer(const Value* v) {
  return v && v->is_initializer() && v->initializer().dtype() == DType::kFloat32;
}

// A rank-1 BN parameter of `n` float elements, widened to double.
std::optional<std::vector<double>> ReadChannelParam(const Value* v, int64_t n) {
  if (!v || !v->is_initializer()) return std::nullopt;
  const Tensor& t = v->initializer();
  if (t.dtype() != DType::kFloat32 && t.dtype() != DType::kFloat64) return std::nullopt;
  if (t.dims() != std::vector<int64_t>{n}) return std::nullopt;
  std::vector<double> out(n);
  for (int64_t i = 0; i < n; ++i) out[i] = t.GetAsDouble(i);
  return out;
}

bool OutputIsLive(const Graph& graph, const Value* v) {
  return !v->name().empty() && (!v->uses().empty() || graph.IsGraphOutput(v));
}

// Y used, every optional training output (mean, var, saved stats) dead.
bool IsInferenceBatchNorm(const Graph& graph, const Node& bn) {
  if (bn.GetInt("training_mode", 0) != 0 || bn.GetInt("spatial", 1) != 1) return false;
  if (bn.num_inputs() < 5 || !OutputIsLive(graph, bn.output(0))) return false;
  for (int i = 1; i < bn.num_outputs(); ++i) {
    if (OutputIsLive(graph, bn.output(i))) return false;
  }
  return true;
}

// Fills kind, weight, bias, channels and the layout fields from the producer;
// false when its constants are missing or malformed. `rank` receives the
// activation rank the producer implies.
bool MatchProducer(const Node& p, BatchNormFoldMatch& m, int64_t& rank) {
  if (!p.domain().empty() || p.num_inputs() < 2 || !p.input(0)) return false;
  const Value* w = p.input(1);
  const Value* b = p.input(2);
  if (!IsFloat32Initializer(w) || (b && !IsFloat32Initializer(b))) return false;
  const std::vector<int64_t>& wd = w->initializer().dims();
  m.weight = w;
  m.bias = b;
  if (p.op_type() == "Conv" || p.op_type() == "ConvTranspose") {
    if (wd.size() < 3) return false;
    rank = static_cast<int64_t>(wd.size());
    if (p.op_type() == "Conv") {
      m.kind = ProducerKind::kConv;
      m.channels = wd[0];
    } else {
      m.kind = ProducerKind::kConvTranspose;
      m.group = p.GetInt("group", 1);
      if (m.group < 1 || wd[0] % m.group != 0) return false;
      m.channels = wd[1] * m.group;
    }
    return !b || b->initializer().dims() == std::vector<int64_t>{m.channels};
  }
  if (p.op_type() != "Gemm" || wd.size() != 2) return false;
  m.kind = ProducerKind::kGemm;
  m.trans_b = p.GetInt("transB", 0) != 0;
  m.channels = m.trans_b ? wd[0] : wd[1];
  m.gemm_beta = p.GetFloat("beta", 1.0f);
  rank = 2;
  if (!b) return true;
  // C must be one bias per output column (or one for all of them).
  const std::vector<int64_t>& cd = b->initializer().dims();
  bool single = b->initializer().num_elements() == 1 && cd.size() <= 2;
  bool per_column =
      cd == std::vector<int64_t>{m.channels} || cd == std::vector<int64_t>{1, m.channels};
  return single || per_column;
}

std::optional<BatchNormFoldMatch> MatchBatchNormFold(const Graph& graph, const Node& bn) {
  if (bn.op_type() != "BatchNormalization" || !bn.domain().empty()) return std::nullopt;
  if (!IsInferenceBatchNorm(graph, bn)) return std::nullopt;
  Value* x = bn.input(0);
  if (!x || !x->producer() || x->uses().size() != 1 || graph.IsGraphOutput(x)) {
    return std::nullopt;
  }
  BatchNormFoldMatch m;
  m.producer = x->producer();
  m.bn = &bn;
  int64_t rank = 0;
  if (!MatchProducer(*m.producer, m, rank)) return std::nullopt;

  // The activation's type must be known float32 and agree where known.
  const TensorType& xt = x->type();
  if (xt.dtype != DType::kFloat32) return std::nullopt;
  if (xt.shape) {
    if (static_cast<int64_t>(xt.shape->size()) != rank) return std::nullopt;
    const Dim& c = (*xt.shape)[1];
    if (c.known() && c.value != m.channels) return std::nullopt;
  }

  std::optional<std::vector<double>> scale = ReadChannelParam(bn.input(1), m.channels);
  std::optional<std::vector<double>> shift = ReadChannelParam(bn.input(2), m.channels);
  std::optional<std::vector<double>> mean = ReadChannelParam(bn.input(3), m.channels);
  std::optional<std::vector<double>> var = ReadChannelParam(bn.input(4), m.channels);
  if (!scale || !shift || !mean || !var) return std::nullopt;
  double eps = bn.GetFloat("epsilon", 1e-5f);
  m.gain.resize(m.channels);
  for (int64_t c = 0; c < m.channels; ++c) {
    double denom = (*var)[c] + eps;
    if (!(denom > 0)) return std::nullopt;  // negative/NaN variance: malformed stats
    m.gain[c] = (*scale)[c] / std::sqrt(denom);
    if (!std::isfinite(m.gain[c])) return std::nullopt;
  }
  m.mean = *std::move(mean);
  m.shift = *std::move(shift);
  m.scale = *std::move(scale);
  m.var = *std::move(var);
  m.epsilon = eps;
  return m;
}

// The output channel that weight element `i` (row-major) contributes to.
int64_t OutputChannelOf(const BatchNormFoldMatch& m, int64_t i) {
  const std::vector<int64_t>& wd = m.weight->initializer().dims();
  switch (m.kind) {
    case ProducerKind::kConv:
      return i / NumElements(absl::MakeConstSpan(wd).subspan(1));
    case ProducerKind::kConvTranspose: {
      int64_t kernel = NumElements(absl::MakeConstSpan(wd).subspan(2));
      int64_t j = (i / kernel) % wd[1];
      int64_t in_channel = i / (kernel * wd[1]);
      return (in_channel / (wd[0] / m.group)) * wd[1] + j;
    }
    case ProducerKind::kGemm:
      return m.trans_b ? i / wd[1] : i % wd[1];
  }
  return 0;
}

std::vector<float> ToFloat(const std::vector<double>& v) { return {v.begin(), v.end()}; }

// The record a trainer needs to undo the fold (FoldedBatchNorm).
FoldedBatchNorm Record(const BatchNormFoldMatch& m, Node* folded) {
  FoldedBatchNorm r;
  r.folded = folded;
  r.weight = m.weight->initializer();
  r.bias.assign(m.channels, 0.0f);
  for (int64_t c = 0; c < m.channels && m.bias; ++c) {
    const Tensor& bias = m.bias->initializer();
    double b = bias.GetAsDouble(bias.num_elements() == 1 ? 0 : c);
    r.bias[c] = static_cast<float>(m.kind == ProducerKind::kGemm ? b * m.gemm_beta : b);
  }
  r.scale = ToFloat(m.scale);
  r.shift = ToFloat(m.shift);
  r.mean = ToFloat(m.mean);
  r.var = ToFloat(m.var);
  r.epsilon = static_cast<float>(m.epsilon);
  r.momentum = m.bn->GetFloat("momentum", 0.9f);
  return r;
}

Node* RewriteBatchNormFold(Graph& graph, const BatchNormFoldMatch& m) {
  const Tensor& w = m.weight->initializer();
  Tensor new_w(DType::kFloat32, w.dims());
  float* wp = new_w.mutable_data<float>();
  for (int64_t i = 0; i < w.num_elements(); ++i) {
    wp[i] = static_cast<float>(w.GetAsDouble(i) * m.gain[OutputChannelOf(m, i)]);
  }

  Tensor new_b(DType::kFloat32, {m.channels});
  float* bp = new_b.mutable_data<float>();
  for (int64_t c = 0; c < m.channels; ++c) {
    double b = 0;
    if (m.bias) {
      const Tensor& bt = m.bias->initializer();
      b = bt.GetAsDouble(bt.num_elements() == 1 ? 0 : c);
      if (m.kind == ProducerKind::kGemm) b *= m.gemm_beta;
    }
    bp[c] = static_cast<float>((b - m.mean[c]) * m.gain[c] + m.shift[c]);
  }

  Node* p = m.producer;
  Value* bn_out = m.bn->output(0);
  std::string base = p->name().empty() ? p->output(0)->name() : p->name();
  Value* wv = graph.AddInitializer(base + "_bn_folded_weight", std::move(new_w));
  Value* bv = graph.AddInitializer(base + "_bn_folded_bias", std::move(new_b));
  Node* folded = graph.AddNode(p->op_type(), {p->input(0), wv, bv}, {bn_out->name() + "_folded"}, p,
                               base + "_bn_folded");
  for (const Attribute& a : p->attributes()) folded->SetAttr(a);
  // The new bias already includes beta * C.
  if (m.kind == ProducerKind::kGemm) folded->RemoveAttr("beta");
  folded->output(0)->set_type(bn_out->type().dtype != DType::kUndefined ? bn_out->type()
                                                                        : p->output(0)->type());
  graph.ReplaceAllUsesWith(bn_out, folded->output(0));
  return folded;
}

}  // namespace

absl::StatusOr<bool> FoldBatchNormPass::Run(Graph& graph) {
  bool changed = false;
  // A snapshot, because rewrites add nodes. A BN chained after a BN folded
  // earlier in this loop now reads the new node, so the chain folds in one run.
  for (Node* n : graph.nodes().ToVector()) {
    std::optional<BatchNormFoldMatch> m = MatchBatchNormFold(graph, *n);
    if (!m) continue;
    Node* folded = RewriteBatchNormFold(graph, *m);
    if (options_.folded) options_.folded->push_back(Record(*m, folded));
    changed = true;
  }
  return changed;
}

}  // namespace quantc
