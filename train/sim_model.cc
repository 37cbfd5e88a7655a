// SimModel: the graph walk, weighted layers (plain and folded-BN),
// standalone BatchNorm, write-back and checkpoint state. The observers'
// quantization is in sim_requant.cc.
#include "train/sim_model.h"

#include <torch/csrc/autograd/custom_function.h>

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "passes/insert_observers.h"
#include "passes/quant_roles.h"
#include "quant/numeric.h"
#include "train/sim_internal.h"
#include "train/torch_ops.h"
#include "util/status_macros.h"

namespace quantc::train {
namespace {

std::vector<double> ToDoubles(const at::Tensor& t) {
  at::Tensor c = t.detach().to(at::kDouble).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

at::Tensor FromFloats(const std::vector<float>& v) {
  return at::tensor(at::ArrayRef<float>(v), at::kFloat);
}

at::Tensor FloatParam(const Value* v) { return ToTorch(v->initializer()).to(at::kFloat); }

// Shape that broadcasts a per-channel vector along `axis` of a rank-r tensor.
std::vector<int64_t> AlongAxis(int64_t channels, int64_t axis, int64_t rank) {
  std::vector<int64_t> s(rank, 1);
  s[axis] = channels;
  return s;
}

// w scaled per output channel by g (BN folding), for each weight layout
// fold_batch_norm handles.
at::Tensor ScaleOutputChannels(const Node& n, const at::Tensor& w, const at::Tensor& g) {
  const std::string& op = n.op_type();
  if (op == "Conv") return w * g.view(AlongAxis(g.numel(), 0, w.dim()));
  if (op == "Gemm") return w * g.view(AlongAxis(g.numel(), n.GetInt("transB", 0) ? 0 : 1, 2));
  // ConvTranspose: W[C_in, C_out/G, k...]; output channel j of group i is
  // i * C_out/G + j.
  int64_t groups = n.GetInt("group", 1);
  std::vector<int64_t> grouped = {groups, w.size(0) / groups, w.size(1)};
  std::vector<int64_t> gs = {groups, 1, w.size(1)};
  for (int64_t d = 2; d < w.dim(); ++d) {
    grouped.push_back(w.size(d));
    gs.push_back(1);
  }
  return (w.view(grouped) * g.view(gs)).view(w.sizes());
}

int64_t OutputChannels(const Node& n, const Tensor& w) {
  const std::string& op = n.op_type();
  if (op == "Conv") return w.dims()[0];
  if (op == "ConvTranspose") return w.dims()[1] * n.GetInt("group", 1);
  if (op == "Gemm") return n.GetInt("transB", 0) ? w.dims()[0] : w.dims()[1];
  return w.dims().back();  // MatMul
}

// The straight-through estimator as one autograd node: forward returns
// `value`, backward multiplies the incoming gradient by `factor`.
struct SteFunction : public torch::autograd::Function<SteFunction> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& input,
                            const at::Tensor& value, const at::Tensor& factor) {
    ctx->save_for_backward({factor});
    ctx->saved_data["shape"] = input.sizes().vec();
    return value.detach();
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad) {
    at::Tensor g = grad[0] * ctx->get_saved_variables()[0];
    std::vector<int64_t> shape = ctx->saved_data["shape"].toIntVector();
    if (g.sizes().vec() != shape) g = at::sum_to(g, shape);
    return {g, at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor Ste(const at::Tensor& input, const at::Tensor& value, const at::Tensor& factor) {
  if (!input.requires_grad()) return value.detach();
  // autograd needs defined tensors: an absent factor is a scalar 1.
  return SteFunction::apply(input, value, factor.defined() ? factor : at::ones({}, input.options()));
}

absl::StatusOr<QParams> ActState::Current(const ActivationScheme& s) const {
  if (emitted) return *emitted;
  return ActivationQParams(lo, hi, s);
}

int SimModel::Impl::Param(const at::Tensor& t) {
  params_.push_back(t.detach().clone().set_requires_grad(true));
  return static_cast<int>(params_.size()) - 1;
}

absl::Status SimModel::Impl::Build(std::vector<FoldedBatchNorm> folds) {
  std::vector<std::string> errors;
  for (const Node* n : g_.nodes()) {
    if (IsObserver(*n)) continue;
    if (absl::Status st = CheckTrainable(*n, g_.opset()); !st.ok()) errors.emplace_back(st.message());
  }
  if (!errors.empty()) return absl::UnimplementedError(absl::StrJoin(errors, "; "));
  // One slot per value: graph inputs, constants, node outputs.
  auto add_slot = [&](const Value* v) {
    if (v && !slot_.contains(v)) slot_[v] = static_cast<int>(slot_.size());
  };
  for (const Value* v : g_.inputs()) add_slot(v);
  for (const Value* v : g_.initializers()) add_slot(v);
  for (const Node* n : g_.nodes()) {
    for (const Value* v : n->outputs()) add_slot(v);
  }
  constants_.resize(slot_.size());
  for (const Value* v : g_.initializers()) constants_[slot_[v]] = ToTorch(v->initializer());
  if (o_.target == Target::kTinpu) model_.emplace(tinpu::BitWidths{o_.weight_bits, o_.activations.bits});
  plan_ = BuildRequantPlan(g_, o_.target);
  for (const ObserverPlan& op : plan_.observers) {
    ActState a;
    a.node = op.observer;
    std::vector<float> r = op.observer->GetFloats("range");
    if (!op.inherit && r.size() != 2) {
      return absl::FailedPreconditionError(
          absl::StrCat(op.observer->Describe(), ": observer has no range (run calibrate first)"));
    }
    if (!op.inherit) {
      a.lo = r[0];
      a.hi = r[1];
    }
    acts_.push_back(a);
  }
  QC_RETURN_IF_ERROR(BuildParameters(folds));
  if (o_.float64) Widen();
  return absl::OkStatus();
}

// Parameters of every weighted layer (a folded one trains its own weight,
// bias and BN) and every standalone BatchNormalization.
absl::Status SimModel::Impl::BuildParameters(std::vector<FoldedBatchNorm>& folds) {
  std::map<const Node*, FoldedBatchNorm*> fold_of;
  for (FoldedBatchNorm& f : folds) fold_of[f.folded] = &f;
  std::map<const Value*, int> shared;  // one parameter per initializer
  auto param_of = [&](const Value* v) {
    auto it = shared.find(v);
    if (it != shared.end()) return it->second;
    return shared[v] = Param(FloatParam(v));
  };
  for (const Node* n : g_.nodes()) {
    if (n->op_type() == "BatchNormalization" && n->domain().empty()) {
      BnState b;
      b.node = n;
      for (int i = 1; i < 5; ++i) {
        if (!n->input(i) || !n->input(i)->is_initializer()) {
          return absl::UnimplementedError(absl::StrCat(
              n->Describe(), ": unsupported in training: BatchNormalization parameters must be constants"));
        }
      }
      b.p.gamma = param_of(n->input(1));
      b.p.beta = param_of(n->input(2));
      b.p.mean = FloatParam(n->input(3));
      b.p.var = FloatParam(n->input(4));
      b.p.eps = n->GetFloat("epsilon", 1e-5f);
      b.p.momentum = n->GetFloat("momentum", 0.9f);
      bns_[n] = b;
      continue;
    }
    if (RoleOf(*n) != QuantRole::kWeighted) continue;
    LayerState l;
    l.node = n;
    l.quantized = !n->float_op();
    const Tensor& wt = n->input(1)->initializer();
    l.channels = OutputChannels(*n, wt);
    int64_t axis = WeightChannelAxis(*n, wt.rank());
    l.axis = axis < 0 || g_.opset() < 13 || wt.rank() == 0 ? -1 : axis;
    auto fit = fold_of.find(n);
    if (fit != fold_of.end()) {
      const FoldedBatchNorm& f = *fit->second;
      l.weight = Param(ToTorch(f.weight));
      l.bias = Param(FromFloats(f.bias));
      BnParams bn;
      bn.gamma = Param(FromFloats(f.scale));
      bn.beta = Param(FromFloats(f.shift));
      bn.mean = FromFloats(f.mean);
      bn.var = FromFloats(f.var);
      bn.eps = f.epsilon;
      bn.momentum = f.momentum;
      l.bn = bn;
    } else {
      l.weight = param_of(n->input(1));
      const Value* b = n->input(2);
      if (b && b->is_initializer() && b->initializer().dtype() == DType::kFloat32) l.bias = param_of(b);
    }
    layers_[n] = l;
  }
  return absl::OkStatus();
}

// float64 for gradient checks of the float model.
void SimModel::Impl::Widen() {
  for (at::Tensor& p : params_) p = p.detach().to(at::kDouble).set_requires_grad(true);
  for (at::Tensor& c : constants_) {
    if (c.defined() && c.scalar_type() == at::kFloat) c = c.to(at::kDouble);
  }
  auto widen = [](BnParams& p) {
    p.mean = p.mean.to(at::kDouble);
    p.var = p.var.to(at::kDouble);
  };
  for (auto& [n, l] : layers_) {
    if (l.bn) widen(*l.bn);
  }
  for (auto& [n, b] : bns_) widen(b.p);
}

void SimModel::Impl::EffectiveWeights(const LayerState& l, at::Tensor& w, at::Tensor& b) const {
  w = params_[l.weight];
  b = l.bias >= 0 ? params_[l.bias] : at::Tensor();
  if (l.bn) {
    const BnParams& p = *l.bn;
    at::Tensor g = params_[p.gamma] / at::sqrt(p.var + p.eps);
    w = ScaleOutputChannels(*l.node, w, g);
    b = (b - p.mean) * g + params_[p.beta];
  }
  if (l.bias_override) b = FromFloats(*l.bias_override);
}

// Per output channel sums over every other axis of a weight-shaped tensor
// (one entry for per-tensor layers).
std::vector<double> SimModel::Impl::ChannelSums(const LayerState& l, const at::Tensor& t) const {
  at::Tensor a = t.detach().abs().to(at::kDouble);
  if (l.axis < 0) return {a.sum().item<double>()};
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < a.dim(); ++d) {
    if (d != l.axis) dims.push_back(d);
  }
  return ToDoubles(a.sum(dims));
}

// insert_qdq's weight quantization on the current weights: scales from max
// |w| (WeightScales), all-zero channels at the layer's largest scale, scales
// grown where the bias would overflow int32 at s_x * s_w (s_x = 0: no
// quantized bias), then round-half-even integers in the narrow range.
QuantizedWeight SimModel::Impl::QuantizeWeight(const LayerState& l, const at::Tensor& w,
                                               const at::Tensor& bias, float s_x) const {
  at::Tensor a = w.detach().abs();
  if (l.axis < 0) {
    a = a.max().reshape({1});
  } else {
    std::vector<int64_t> dims;
    for (int64_t d = 0; d < a.dim(); ++d) {
      if (d != l.axis) dims.push_back(d);
    }
    a = a.amax(dims);
  }
  auto scales = quantc::WeightScales(FromTorch(a), 0, o_.weight_bits, false, o_.weight_power2);
  TORCH_CHECK(scales.ok(), l.node->Describe(), ": ", std::string(scales.status().message()),
              " (training diverged)");
  QuantizedWeight q;
  q.scales = *scales;
  ReplaceDeadChannelScales(ChannelSums(l, w), q.scales);
  if (s_x > 0) {
    std::vector<double> b = ToDoubles(bias);
    for (size_t c = 0; c < b.size(); ++c) {
      float& sc = q.scales[q.scales.size() == 1 ? 0 : c];
      sc = Int32BiasWeightScale(b[c], s_x, sc, o_.weight_power2);
    }
  }
  const int64_t qmax = (int64_t{1} << (o_.weight_bits - 1)) - 1;
  std::vector<int64_t> shape = l.axis < 0 ? std::vector<int64_t>(w.dim(), 1)
                                          : AlongAxis(static_cast<int64_t>(q.scales.size()), l.axis, w.dim());
  q.scale = FromFloats(q.scales).view(shape);
  at::Tensor hard = at::round(w.detach() / q.scale);  // QuantizeTensor: float32 division, rne
  q.mask = (hard.abs() <= qmax).to(at::kFloat);
  q.ints = hard.clamp(-qmax, qmax);
  return q;
}

at::Tensor SimModel::Impl::Weighted(LayerState& l, const at::Tensor& x, const RunMode& mode) {
  const Node& n = *l.node;
  l.exact = false;
  at::Tensor w, b;
  EffectiveWeights(l, w, b);
  if (!l.quantized || !mode.fake_quant) return RunWeighted(n, x, w, b);
  const bool bn_train = l.bn && mode.training && !mode.bn_frozen;
  at::Tensor g_run;
  if (bn_train) {  // PyTorch's folded-BN training: scale by gamma / running std
    g_run = params_[l.bn->gamma] / at::sqrt(l.bn->var + l.bn->eps);
    w = ScaleOutputChannels(n, params_[l.weight], g_run);
  }
  const std::optional<QParams>& xq = qparams_[slot_.at(n.input(0))];
  // insert_qdq quantizes a bias only for a quantized input, per channel, and
  // (Gemm) with alpha = beta = 1.
  const bool bias_q = !bn_train && b.defined() && xq && l.axis >= 0 && b.dim() == 1 &&
                      b.numel() == l.channels &&
                      (n.op_type() != "Gemm" ||
                       (n.GetFloat("alpha", 1.f) == 1.f && n.GetFloat("beta", 1.f) == 1.f));
  QuantizedWeight q = QuantizeWeight(l, w, b, bias_q ? xq->scale : 0.0f);
  at::Tensor conv;  // without bias, for the folded-BN training path
  if (o_.target == Target::kGeneric || !xq) {
    at::Tensor w_fq = Ste(w, q.ints * q.scale, q.mask);
    if (!bn_train) {
      at::Tensor b_fq = b;
      if (bias_q) {
        at::Tensor s_b = FromFloats(BiasScales(xq->scale, q.scales)).expand({l.channels});
        const IntRange i32 = RangeFor(DType::kInt32, 32, /*narrow=*/false);
        at::Tensor b_int = at::round(b.detach() / s_b).clamp(static_cast<double>(i32.qmin),
                                                              static_cast<double>(i32.qmax));
        b_fq = Ste(b, b_int * s_b, at::Tensor());
      }
      return RunWeighted(n, x, w_fq, b_fq);
    }
    conv = RunWeighted(n, x, w_fq, at::Tensor());
  } else {
    at::Tensor out = TinpuWeighted(l, x, *xq, w, q, bias_q ? b : at::Tensor(), !bn_train);
    if (!bn_train) return out;
    conv = out;
  }
  // Folded BN in training: undo the scale, normalize with batch statistics.
  auto channel_view = [&](const at::Tensor& v) { return v.view(ChannelShape(n, v.numel(), conv.dim())); };
  conv = conv / channel_view(g_run) + channel_view(params_[l.bias]);
  return at::batch_norm(conv, params_[l.bn->gamma], params_[l.bn->beta], l.bn->mean, l.bn->var,
                        true, 1.0 - l.bn->momentum, l.bn->eps, false);
}

// TINPU: the integer accumulator the emitted Conv/MatMul computes and the
// integer bias lower_to_integer adds (AccumulatorOf: the bias quantized by
// insert_qdq, re-derived at s_x s_w), as the real value (acc + qbias) s_acc;
// the observer's OSS block reads them from `l` (sim_requant.cc).
at::Tensor SimModel::Impl::TinpuWeighted(LayerState& l, const at::Tensor& x, const QParams& xq,
                                         const at::Tensor& w, const QuantizedWeight& q,
                                         const at::Tensor& b, bool exact) {
  const Node& n = *l.node;
  const float sx = xq.scale;
  // d w_int / d w = mask / s_w: the straight-through gradient of w / s_w.
  at::Tensor w_int = Ste(w, q.ints, q.mask / q.scale);
  std::vector<double> sw(q.scales.begin(), q.scales.end());
  if (sw.size() == 1) sw.assign(l.channels, sw[0]);
  at::Tensor xi = x / sx;
  at::Tensor acc = RunWeighted(n, xi, w_int, at::Tensor());
  std::vector<float> s_acc(l.channels);
  for (int64_t c = 0; c < l.channels; ++c) s_acc[c] = static_cast<float>(sx * sw[c]);
  at::Tensor sacc = FromFloats(s_acc).view(ChannelShape(n, l.channels, acc.dim()));
  if (!exact) return acc * sacc;
  std::vector<double> qb(l.channels, 0.0);
  at::Tensor sum = acc;
  if (b.defined()) {
    std::vector<float> s_b = BiasScales(sx, q.scales);
    std::vector<double> bd = ToDoubles(b);
    for (int64_t c = 0; c < l.channels; ++c) {
      float sb = s_b.size() == 1 ? s_b[0] : s_b[c];
      double qi = RoundHalfEven(static_cast<float>(bd[c]) / sb);  // QuantizeBias: float32 division
      qb[c] = RoundHalfEven(qi * sb / (static_cast<double>(sx) * sw[c]));
    }
    std::vector<float> qbf(qb.begin(), qb.end());
    at::Tensor qbt = FromFloats(qbf).view(ChannelShape(n, l.channels, acc.dim()));
    sum = acc + Ste(b.view(ChannelShape(n, l.channels, acc.dim())), qbt, 1.0 / sacc);
  }
  l.exact = true;
  l.acc = acc.detach();
  l.x_int = xi.detach();
  l.w_int = q.ints;
  l.qbias = qb;
  l.weight_scales = sw;
  return sum * sacc;
}

at::Tensor SimModel::Impl::BatchNorm(BnState& b, const at::Tensor& x, const RunMode& mode) {
  bool batch_stats = mode.training && !mode.bn_frozen;
  return at::batch_norm(x, params_[b.p.gamma], params_[b.p.beta], b.p.mean, b.p.var, batch_stats,
                        1.0 - b.p.momentum, b.p.eps, false);
}

at::Tensor SimModel::Impl::Forward(const at::Tensor& x, const RunMode& mode) {
  vals_.assign(slot_.size(), at::Tensor());
  qparams_.assign(slot_.size(), std::nullopt);
  for (size_t i = 0; i < constants_.size(); ++i) vals_[i] = constants_[i];
  vals_[slot_[g_.inputs()[0]]] = x;
  const int64_t opset = g_.opset();
  for (const Node* n : g_.nodes()) {
    std::vector<at::Tensor> in;
    for (const Value* v : n->inputs()) in.push_back(v ? vals_[slot_[v]] : at::Tensor());
    at::Tensor out;
    if (IsObserver(*n)) {
      out = Observe(plan_.observers[plan_.by_observer.at(n)], in[0], mode);
    } else if (auto lit = layers_.find(n); lit != layers_.end()) {
      out = Weighted(lit->second, in[0], mode);
    } else if (auto bit = bns_.find(n); bit != bns_.end()) {
      out = BatchNorm(bit->second, in[0], mode);
    } else {
      out = RunNode(*n, in, opset);
    }
    vals_[slot_[n->output(0)]] = out;
  }
  return vals_[slot_[g_.outputs()[0]]];
}

absl::Status SimModel::Impl::WriteBack() const {
  for (const auto& [n, l] : layers_) {
    at::Tensor w, b;
    EffectiveWeights(l, w, b);
    g_.SetInitializer(n->input(1), FromTorch(w));
    if (b.defined()) g_.SetInitializer(n->input(2), FromTorch(b));
  }
  for (const auto& [n, bn] : bns_) {
    g_.SetInitializer(n->input(1), FromTorch(params_[bn.p.gamma]));
    g_.SetInitializer(n->input(2), FromTorch(params_[bn.p.beta]));
    g_.SetInitializer(n->input(3), FromTorch(bn.p.mean));
    g_.SetInitializer(n->input(4), FromTorch(bn.p.var));
  }
  for (size_t i = 0; i < acts_.size(); ++i) {
    const ActState& a = acts_[i];
    if (plan_.observers[i].inherit) continue;
    std::vector<float> range = {a.lo, a.hi};
    if (a.emitted) {
      // A range the quantize pipeline turns into exactly this quantization.
      const IntRange r = RangeFor(o_.activations.storage, o_.activations.bits, false);
      const QParams& q = *a.emitted;
      auto same = [&](float lo, float hi) {
        auto p = ActivationQParams(lo, hi, o_.activations);
        return p.ok() && p->scale == q.scale && p->zero_point == q.zero_point;
      };
      float s = q.scale;
      if (!same(range[0], range[1])) {
        bool at_min = q.zero_point == r.qmin;
        range = o_.activations.symmetric && !at_min
                    ? std::vector<float>{-s * (r.qmax - r.qmin) / 2.0f, s * (r.qmax - r.qmin) / 2.0f}
                    : std::vector<float>{s * static_cast<float>(r.qmin - q.zero_point),
                                         s * static_cast<float>(r.qmax - q.zero_point)};
        if (!same(range[0], range[1])) {
          return absl::InternalError(absl::StrCat(a.node->Describe(), ": scale ", s, ", zero point ",
                                                  q.zero_point, " has no reproducing range"));
        }
      }
    }
    const_cast<Node*>(a.node)->SetAttr(Attribute::Floats("range", range));
  }
  return absl::OkStatus();
}

SimModel::SimModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SimModel::~SimModel() = default;

absl::StatusOr<std::unique_ptr<SimModel>> SimModel::Build(Graph& g, std::vector<FoldedBatchNorm> folds,
                                                          const SimOptions& o) {
  auto impl = std::make_unique<Impl>(g, o);
  if (absl::Status st = impl->Build(std::move(folds)); !st.ok()) return st;
  return std::unique_ptr<SimModel>(new SimModel(std::move(impl)));
}

std::vector<at::Tensor> SimModel::Parameters() const { return impl_->params_; }

// BN statistics in graph node order (the maps are keyed by pointer, whose
// order differs between processes), then observer ranges.
std::vector<at::Tensor> SimModel::State() const {
  std::vector<at::Tensor> s;
  for (const Node* n : impl_->g_.nodes()) {
    if (auto l = impl_->layers_.find(n); l != impl_->layers_.end() && l->second.bn) {
      s.insert(s.end(), {l->second.bn->mean, l->second.bn->var});
    }
    if (auto b = impl_->bns_.find(n); b != impl_->bns_.end()) s.insert(s.end(), {b->second.p.mean, b->second.p.var});
  }
  // Observer ranges and emitted quantization: [lo, hi, has_emitted, scale, zero point].
  at::Tensor r = at::zeros({static_cast<int64_t>(impl_->acts_.size()), 5}, at::kDouble);
  for (size_t i = 0; i < impl_->acts_.size(); ++i) {
    const ActState& a = impl_->acts_[i];
    auto row = r[static_cast<int64_t>(i)];
    row[0] = a.lo;
    row[1] = a.hi;
    row[2] = a.emitted ? 1.0 : 0.0;
    row[3] = a.emitted ? a.emitted->scale : 0.0;
    row[4] = a.emitted ? static_cast<double>(a.emitted->zero_point) : 0.0;
  }
  s.push_back(r);
  return s;
}

void SimModel::LoadState(const std::vector<at::Tensor>& state) {
  size_t k = 0;
  for (const Node* n : impl_->g_.nodes()) {
    BnParams* p = nullptr;
    if (auto l = impl_->layers_.find(n); l != impl_->layers_.end() && l->second.bn) p = &*l->second.bn;
    if (auto b = impl_->bns_.find(n); b != impl_->bns_.end()) p = &b->second.p;
    if (!p) continue;
    p->mean.copy_(state[k++]);
    p->var.copy_(state[k++]);
  }
  at::Tensor r = state[k].to(at::kDouble).contiguous();
  const double* d = r.data_ptr<double>();
  for (size_t i = 0; i < impl_->acts_.size(); ++i) {
    ActState& a = impl_->acts_[i];
    a.lo = static_cast<float>(d[5 * i]);
    a.hi = static_cast<float>(d[5 * i + 1]);
    a.emitted.reset();
    if (d[5 * i + 2] != 0) a.emitted = QParams{static_cast<float>(d[5 * i + 3]), static_cast<int64_t>(d[5 * i + 4])};
  }
}

at::Tensor SimModel::Forward(const at::Tensor& x, const RunMode& mode) { return impl_->Forward(x, mode); }

float SimModel::OutputScale() const {
  const Impl& m = *impl_;
  if (m.o_.target != Target::kTinpu || !m.o_.output_int) return 1.0f;
  const Node* p = m.g_.outputs()[0]->producer();
  auto it = p ? m.plan_.by_observer.find(p) : m.plan_.by_observer.end();
  if (it == m.plan_.by_observer.end()) return 1.0f;
  const ObserverPlan& op = m.plan_.observers[it->second];
  auto q = m.acts_[m.plan_.by_observer.at(op.root)].Current(m.o_.activations);
  return q.ok() ? q->scale : 1.0f;
}

std::vector<std::string> SimModel::ObservedNames() const {
  std::vector<std::string> names;
  for (const ObserverPlan& op : impl_->plan_.observers) names.push_back(op.observer->input(0)->name());
  return names;
}

absl::Status SimModel::SetEmittedQParams(const std::map<std::string, QuantParams>& by_tensor) {
  for (size_t i = 0; i < impl_->acts_.size(); ++i) {
    const ObserverPlan& op = impl_->plan_.observers[i];
    if (op.inherit) continue;
    auto it = by_tensor.find(op.observer->input(0)->name());
    if (it == by_tensor.end() || it->second.scale.size() != 1) {
      return absl::InternalError(absl::StrCat("the emitted model does not quantize tensor '",
                                              op.observer->input(0)->name(), "'"));
    }
    impl_->acts_[i].emitted = QParams{it->second.scale[0], it->second.zero_point[0]};
  }
  return absl::OkStatus();
}

void SimModel::SetBiases(const std::map<std::string, std::vector<float>>& by_output) {
  for (auto& [n, l] : impl_->layers_) {
    auto it = by_output.find(n->output(0)->name());
    if (it != by_output.end()) l.bias_override = it->second;
  }
}

absl::Status SimModel::WriteBack() const { return impl_->WriteBack(); }

}  // namespace quantc::train
