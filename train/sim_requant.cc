// SimModel's observers: range tracking and the quantized value of every
// observed tensor. Generic: round-half-even fake quantization (what
// QuantizeLinear computes). TINPU: the integers lower_to_integer computes
// for the tensor's pattern (requant_plan.h), with the constants the TINPU
// legality model realizes for the same requantization (what the lowering
// asks it), evaluated as ONNX Runtime evaluates the emitted float32 ops
// (Mul by 2^align, or Add, Mul, Mul, Floor; then Clip), with the
// straight-through gradient of x / s. The Requant descriptions follow
// passes/tinpu_requant.cc (units per pattern), built from the simulation's
// current scales instead of a QDQ graph's.
#include <cmath>

#include "quant/numeric.h"
#include "train/sim_internal.h"
#include "train/torch_ops.h"

namespace quantc::train {
namespace {

using tinpu::Requant;
using tinpu::RequantSite;

at::Tensor Floats(const std::vector<float>& v) { return at::tensor(at::ArrayRef<float>(v), at::kFloat); }

// A realization on integers x, unclipped: an exact multiply by 2^align, or
// floor((x + offset) * mult * shift_mult) with constants broadcast along
// axis 1 as lower_to_integer shapes them.
at::Tensor Apply(const at::Tensor& x, const tinpu::Realization& z) {
  if (z.align > 0) return x * std::ldexp(1.0f, z.align);
  const tinpu::OssParams& p = z.oss;
  std::vector<int64_t> shape(x.dim(), 1);
  if (p.offset.size() > 1) shape[1] = static_cast<int64_t>(p.offset.size());
  at::Tensor off = Floats(p.offset).view(shape);
  at::Tensor mult = Floats(p.mult).view(shape);
  at::Tensor sm = Floats(p.shift_mult).view(shape);
  return at::floor(((x + off) * mult) * sm);
}

at::Tensor Clamp(const at::Tensor& x, const tinpu::ClipRange& r) {
  return x.clamp(static_cast<double>(r.lo), static_cast<double>(r.hi));
}

Requant One(RequantSite site, double unit) { return Requant{site, {unit}, {}, {}}; }

}  // namespace

IntDomain SimModel::Impl::DomainOf(const QParams& q) const {
  std::optional<bool> u = model_->UnsignedDomain(o_.activations.storage, q.zero_point);
  return IntDomain{q.scale, u.value_or(false)};
}

tinpu::ClipRange SimModel::Impl::ClipOf(const QParams& q) const {
  const IntRange r = RangeFor(o_.activations.storage, o_.activations.bits, false);
  return {r.qmin - q.zero_point, r.qmax - q.zero_point};
}

bool SimModel::Impl::IntOf(const Value* v, at::Tensor& ints, IntDomain& d) const {
  auto it = v ? slot_.find(v) : slot_.end();
  if (it == slot_.end() || !qparams_[it->second]) return false;
  d = DomainOf(*qparams_[it->second]);
  ints = vals_[it->second].detach() / d.scale;
  return true;
}

// The realization of `r` into `out`, or nullopt where the lowering would
// fail (the simulation then rounds half up, and emitting reports it).
std::optional<tinpu::Realization> SimModel::Impl::Realize(const Requant& r, double out_scale) const {
  auto z = model_->Realize(r, out_scale);
  if (!z.ok()) return std::nullopt;
  return *std::move(z);
}

// lower_to_integer's Rescale: a no-op for the same domain, else the move
// realization clipped to the target's range.
at::Tensor SimModel::Impl::Rescale(const at::Tensor& ints, const IntDomain& from, const IntDomain& to) {
  if (from.scale == to.scale && from.is_unsigned == to.is_unsigned) return ints;
  auto z = Realize(One(RequantSite::kMove, from.scale), to.scale);
  return z ? Clamp(Apply(ints, *z), model_->DomainRange(to.is_unsigned)) : at::Tensor();
}

// A weighted layer's accumulator (tinpu_requant's Weighted: unit s_x s_w[c],
// offset the integer bias, bound from sum |w_int|). Where legalize_tinpu
// would coarsen channels whose offset overflows or multiplier underflows,
// the same repair (ChannelScaleFactor; integer weights and bias re-rounded)
// is applied first.
at::Tensor SimModel::Impl::HardWeighted(const ObserverPlan& op, const IntDomain& out) {
  LayerState& l = layers_.at(op.op);
  at::Tensor x;
  IntDomain dx;
  if (!l.exact || !IntOf(op.op->input(0), x, dx)) return at::Tensor();
  Requant r{RequantSite::kWeighted, {}, l.qbias, {}};
  std::vector<double> sums = ChannelSums(l, l.w_int);
  for (int64_t c = 0; c < l.channels; ++c) {
    r.unit.push_back(static_cast<double>(dx.scale) * l.weight_scales[c]);
    r.input_bound.push_back(model_->AccumulatorBound(sums[sums.size() == 1 ? 0 : c], dx.is_unsigned));
  }
  at::Tensor acc = l.acc;
  for (int round = 0; round < 8; ++round) {
    std::optional<tinpu::Problem> problem = model_->Check(r, out.scale);
    if (!problem) break;
    if (problem->kind != tinpu::Problem::Kind::kChannels || l.axis < 0) return at::Tensor();
    std::vector<float> f(l.channels, 1.0f);
    for (int64_t c : problem->channels) {
      std::optional<double> k = model_->ChannelScaleFactor(r, out.scale, c);
      if (!k) return at::Tensor();
      f[c] = static_cast<float>(*k);
      r.unit[c] *= *k;
      r.offset[c] = RoundHalfEven(r.offset[c] / *k);
    }
    std::vector<int64_t> shape(l.w_int.dim(), 1);
    shape[l.axis] = l.channels;
    at::Tensor w = at::round(l.w_int / Floats(f).view(shape));
    sums = ChannelSums(l, w);
    for (int64_t c = 0; c < l.channels; ++c) r.input_bound[c] = model_->AccumulatorBound(sums[c], dx.is_unsigned);
    acc = RunWeighted(*l.node, l.x_int, w, at::Tensor());
  }
  auto z = Realize(r, out.scale);
  return z ? Apply(acc, *z) : at::Tensor();
}

at::Tensor SimModel::Impl::HardAdd(const ObserverPlan& op, const IntDomain& out) {
  const Node& m = *op.op;
  at::Tensor x, y;
  IntDomain dx, dy;
  if (op.pattern == TinpuPattern::kConstantAdd) {
    int ci = m.input(1)->is_initializer() ? 1 : 0;
    if (!IntOf(m.input(1 - ci), x, dx)) return at::Tensor();
    const Tensor& c = m.input(ci)->initializer();
    Tensor c_int(DType::kFloat32, c.dims());
    for (int64_t i = 0; i < c.num_elements(); ++i) {
      c_int.mutable_data<float>()[i] = static_cast<float>(RoundHalfEven(c.GetAsDouble(i) / dx.scale));
    }
    auto z = Realize(One(RequantSite::kAdd, dx.scale), out.scale);
    return z ? Apply(x + ToTorch(c_int), *z) : at::Tensor();
  }
  if (!IntOf(m.input(0), x, dx) || !IntOf(m.input(1), y, dy)) return at::Tensor();
  const double align = model_->AddAlignScale(dx.scale, dy.scale);
  // Each input to the alignment scale: exact power-of-two multiplies, or a
  // requantization down for an input finer than float32 allows.
  auto to_align = [&](const at::Tensor& v, const IntDomain& d) -> at::Tensor {
    double k = static_cast<double>(d.scale) / align;
    if (k == 1) return v;
    if (k < 1) {
      auto z = Realize(One(RequantSite::kMove, d.scale), align);
      return z ? Clamp(Apply(v, *z), model_->DomainRange(d.is_unsigned)) : at::Tensor();
    }
    return IsPowerOfTwo(k) ? v * static_cast<float>(k) : at::Tensor();
  };
  at::Tensor xa = to_align(x, dx), ya = to_align(y, dy);
  auto z = Realize(One(RequantSite::kAdd, align), out.scale);
  if (!xa.defined() || !ya.defined() || !z) return at::Tensor();
  return Apply(xa + ya, *z);
}

at::Tensor SimModel::Impl::HardPool(const ObserverPlan& op, const IntDomain& out) {
  const Node& p = *op.op;
  at::Tensor x;
  IntDomain dx;
  const double area = PoolArea(p);
  if (!IntOf(p.input(0), x, dx) || area <= 0) return at::Tensor();
  at::Tensor sum;
  if (p.op_type() == "GlobalAveragePool") {
    std::vector<int64_t> dims;
    for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
    sum = x.sum(dims, true);
  } else {  // AveragePool * A, rounded: the exact window sum
    sum = at::round(RunNode(p, {x}, g_.opset()) * static_cast<float>(area));
  }
  auto z = Realize(One(RequantSite::kPool, dx.scale / area), out.scale);
  return z ? Apply(sum, *z) : at::Tensor();
}

at::Tensor SimModel::Impl::HardConcat(const ObserverPlan& op, const IntDomain& out) {
  std::vector<at::Tensor> parts;
  for (const Value* v : op.op->inputs()) {
    at::Tensor x;
    IntDomain d;
    if (!IntOf(v, x, d)) return at::Tensor();
    at::Tensor r = Rescale(x, d, out);
    if (!r.defined()) return r;
    parts.push_back(r);
  }
  return RunNode(*op.op, parts, g_.opset());
}

at::Tensor SimModel::Impl::HardMul(const ObserverPlan& op, const IntDomain& out) {
  std::vector<at::Tensor> ins;
  double unit = 1;
  for (int i = 0; i < 2; ++i) {
    const Value* v = op.op->input(i);
    if (v && v->is_initializer() && v->type().dtype == DType::kFloat32) {
      auto f = model_->QuantizeFactor(v->initializer());
      if (!f.ok()) return at::Tensor();
      ins.push_back(ToTorch(f->ints));
      unit *= f->scale;
      continue;
    }
    at::Tensor x;
    IntDomain d;
    if (!IntOf(v, x, d)) return at::Tensor();
    ins.push_back(x);
    unit *= d.scale;
  }
  auto z = Realize(One(RequantSite::kMul, unit), out.scale);
  return z ? Apply(ins[0] * ins[1], *z) : at::Tensor();
}

at::Tensor SimModel::Impl::HardElementwise(const ObserverPlan& op, const IntDomain& out) {
  const Node& p = *op.op;
  at::Tensor x;
  IntDomain dx;
  if (!IntOf(p.input(0), x, dx)) return at::Tensor();
  at::Tensor y;
  if (p.op_type() == "Clip") {
    y = Clamp(x, FusedActivationClip(&p, dx.scale, model_->DomainRange(dx.is_unsigned)));
  } else {
    std::vector<at::Tensor> in = {x};
    for (int i = 1; i < p.num_inputs(); ++i) in.push_back(p.input(i) ? vals_[slot_.at(p.input(i))] : at::Tensor());
    y = RunNode(p, in, g_.opset());
  }
  return Rescale(y, dx, out);
}

// BatchNormalization on the float input (tinpu_requant's InputBatchNorm):
// unit g = gamma / sqrt(var + eps), offset -mean + beta / g, on the raw input.
at::Tensor SimModel::Impl::HardInputBatchNorm(const ObserverPlan& op, const IntDomain& out) {
  const BnState& b = bns_.at(op.op);
  auto d = [](const at::Tensor& t) {
    at::Tensor c = t.detach().to(at::kDouble).contiguous();
    return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
  };
  std::vector<double> gamma = d(params_[b.p.gamma]), beta = d(params_[b.p.beta]);
  std::vector<double> mean = d(b.p.mean), var = d(b.p.var);
  Requant r{RequantSite::kInputBatchNorm, {}, {}, {}};
  for (size_t c = 0; c < gamma.size(); ++c) {
    double g = gamma[c] / std::sqrt(var[c] + static_cast<double>(b.p.eps));
    if (g == 0 || !std::isfinite(g)) return at::Tensor();
    r.unit.push_back(g);
    r.offset.push_back(-mean[c] + beta[c] / g);
  }
  auto z = Realize(r, out.scale);
  return z ? Apply(vals_[slot_.at(op.op->input(0))].detach(), *z) : at::Tensor();
}

at::Tensor SimModel::Impl::Hard(const ObserverPlan& op, const at::Tensor& x, const IntDomain& out,
                                const RunMode& mode) {
  switch (op.pattern) {
    case TinpuPattern::kInput:
    case TinpuPattern::kFloatOp: {
      RequantSite site = op.pattern == TinpuPattern::kInput ? RequantSite::kInputQuantize
                                                            : RequantSite::kFloatOpOutput;
      auto z = Realize(One(site, 1.0), out.scale);
      return z ? Apply(x.detach(), *z) : at::Tensor();
    }
    case TinpuPattern::kInputBatchNorm:
      // With batch statistics there is no fixed block to mirror yet.
      if (mode.training && !mode.bn_frozen) return at::Tensor();
      return HardInputBatchNorm(op, out);
    case TinpuPattern::kWeighted: return HardWeighted(op, out);
    case TinpuPattern::kAdd:
    case TinpuPattern::kConstantAdd: return HardAdd(op, out);
    case TinpuPattern::kPool: return HardPool(op, out);
    case TinpuPattern::kConcat: return HardConcat(op, out);
    case TinpuPattern::kMul: return HardMul(op, out);
    case TinpuPattern::kElementwise: return HardElementwise(op, out);
    case TinpuPattern::kUnsupported: break;
  }
  return at::Tensor();
}

at::Tensor SimModel::Impl::Observe(const ObserverPlan& op, const at::Tensor& x, const RunMode& mode) {
  const int out_slot = slot_.at(op.observer->output(0));
  if (!mode.fake_quant) {
    if (mode.observed) mode.observed->push_back(x.detach());
    return x;
  }
  if (op.inherit) {
    // Values of a value-preserving op on quantized data are quantized already.
    qparams_[out_slot] = qparams_[slot_.at(op.root->output(0))];
    if (mode.observed) mode.observed->push_back(x.detach());
    return x;
  }
  ActState& a = acts_[plan_.by_observer.at(op.observer)];
  if (mode.training && !mode.observers_frozen) {
    // PyTorch's MovingAverageMinMaxObserver, started from the PTQ range.
    auto [mn, mx] = at::aminmax(x.detach());
    float lo = mn.item<float>(), hi = mx.item<float>();
    TORCH_CHECK(std::isfinite(lo) && std::isfinite(hi), "tensor '", op.observer->input(0)->name(),
                "' holds non-finite values");
    a.lo = a.lo + o_.ema_momentum * (lo - a.lo);
    a.hi = a.hi + o_.ema_momentum * (hi - a.hi);
    a.emitted.reset();
  }
  auto current = a.Current(o_.activations);
  TORCH_CHECK(current.ok(), a.node->Describe(), ": ", std::string(current.status().message()));
  const QParams q = *current;
  qparams_[out_slot] = q;
  at::Tensor soft = x.detach() / q.scale;
  at::Tensor hard;
  tinpu::ClipRange clip = ClipOf(q);
  if (o_.target == Target::kTinpu) {
    IntDomain d = DomainOf(q);
    clip = FusedActivationClip(op.act, d.scale, model_->DomainRange(d.is_unsigned));
    hard = Hard(op, x, d, mode);
    if (!hard.defined()) hard = at::floor(soft + 0.5f);  // the OSS's round half up
  } else {
    hard = at::round(soft);
  }
  at::Tensor mask = (hard >= static_cast<double>(clip.lo)) & (hard <= static_cast<double>(clip.hi));
  at::Tensor y = Ste(x, Clamp(hard, clip) * q.scale, mask.to(at::kFloat));
  if (mode.observed) mode.observed->push_back(y.detach());
  return y;
}

}  // namespace quantc::train
