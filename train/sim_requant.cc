// SimModel's observers: range tracking and the quantized value of every
// observed tensor. Generic: round-half-even fake quantization (what
// QuantizeLinear computes). TINPU: the integers lower_to_integer's block
// for this tensor computes (requant_plan.h), evaluated exactly as ONNX
// Runtime evaluates the emitted float32 ops (Add, Mul, Mul, Floor, Clip),
// with the straight-through gradient of x / s.
#include <cmath>

#include "passes/integer_builder.h"
#include "train/sim_internal.h"
#include "train/torch_ops.h"

namespace quantc::train {
namespace {

at::Tensor Floats(const std::vector<float>& v) { return at::tensor(at::ArrayRef<float>(v), at::kFloat); }

// clamp-free OSS block: floor((x + offset) * mult * shift_mult), constants
// broadcast along axis 1 as lower_to_integer shapes them.
at::Tensor OssEval(const at::Tensor& x, const tinpu::OssParams& p) {
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

}  // namespace

IntDomain SimModel::Impl::DomainOf(const QParams& q) const {
  const IntRange r = RangeFor(o_.activations.storage, o_.activations.bits, false);
  // lower_to_integer: zero point at the type's minimum (int8 -128, uint8 0)
  // means non-negative data in [0, 255].
  return IntDomain{q.scale, q.zero_point == r.qmin};
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

at::Tensor SimModel::Impl::Rescale(const at::Tensor& ints, const IntDomain& from, const IntDomain& to) {
  if (from.scale == to.scale && from.is_unsigned == to.is_unsigned) return ints;
  auto p = oss::Rescale(static_cast<double>(from.scale) / to.scale, o_.weight_bits);
  if (!p.ok()) return at::Tensor();
  return Clamp(OssEval(ints, *p), RangeOf(to.is_unsigned));
}

at::Tensor SimModel::Impl::HardWeighted(const ObserverPlan& op, const IntDomain& out) {
  const LayerState& l = layers_.at(op.layer);
  at::Tensor x;
  IntDomain dx;
  if (!l.exact || !IntOf(op.layer->input(0), x, dx)) return at::Tensor();
  std::vector<double> ratio(l.weight_scales.size());
  for (size_t c = 0; c < ratio.size(); ++c) {
    ratio[c] = static_cast<double>(dx.scale) * l.weight_scales[c] / out.scale;
  }
  auto p = oss::Weighted(ratio, l.qbias, l.abs_sums, dx.is_unsigned, o_.weight_bits);
  return p.ok() ? OssEval(l.acc, *p) : at::Tensor();
}

at::Tensor SimModel::Impl::HardAdd(const ObserverPlan& op, const IntDomain& out) {
  const Node& m = *op.layer;
  at::Tensor x, y;
  IntDomain dx, dy;
  if (op.kind == RequantKind::kConstantAdd) {
    int ci = m.input(1)->is_initializer() ? 1 : 0;
    if (!IntOf(m.input(1 - ci), x, dx)) return at::Tensor();
    const Tensor& c = m.input(ci)->initializer();
    Tensor c_int(DType::kFloat32, c.dims());
    for (int64_t i = 0; i < c.num_elements(); ++i) {
      c_int.mutable_data<float>()[i] = static_cast<float>(tinpu::RoundHalfEven(c.GetAsDouble(i) / dx.scale));
    }
    auto p = oss::Rescale(static_cast<double>(dx.scale) / out.scale, o_.weight_bits);
    return p.ok() ? OssEval(x + ToTorch(c_int), *p) : at::Tensor();
  }
  if (!IntOf(m.input(0), x, dx) || !IntOf(m.input(1), y, dy)) return at::Tensor();
  float fine = std::min(dx.scale, dy.scale);
  double kx = static_cast<double>(dx.scale) / fine, ky = static_cast<double>(dy.scale) / fine;
  if (!IsPowerOfTwo(kx) || !IsPowerOfTwo(ky)) return at::Tensor();
  if (kx != 1) x = x * static_cast<float>(kx);
  if (ky != 1) y = y * static_cast<float>(ky);
  auto p = oss::Rescale(static_cast<double>(fine) / out.scale, o_.weight_bits);
  return p.ok() ? OssEval(x + y, *p) : at::Tensor();
}

at::Tensor SimModel::Impl::HardPool(const ObserverPlan& op, const IntDomain& out) {
  const Node& p = *op.layer;
  at::Tensor x;
  IntDomain dx;
  if (!IntOf(p.input(0), x, dx)) return at::Tensor();
  double area = 1;
  at::Tensor sum;
  if (p.op_type() == "GlobalAveragePool") {
    std::vector<int64_t> dims;
    for (int64_t d = 2; d < x.dim(); ++d) {
      dims.push_back(d);
      area *= static_cast<double>(x.size(d));
    }
    sum = x.sum(dims, true);
  } else {
    for (int64_t k : p.GetInts("kernel_shape")) area *= static_cast<double>(k);
    sum = at::round(RunNode(p, {x}, g_.opset()) * static_cast<float>(area));
  }
  auto params = oss::Rescale(static_cast<double>(dx.scale) / (area * out.scale), o_.weight_bits);
  return params.ok() ? OssEval(sum, *params) : at::Tensor();
}

at::Tensor SimModel::Impl::HardConcat(const ObserverPlan& op, const IntDomain& out) {
  std::vector<at::Tensor> parts;
  for (const Value* v : op.layer->inputs()) {
    at::Tensor x;
    IntDomain d;
    if (!IntOf(v, x, d)) return at::Tensor();
    at::Tensor r = Rescale(x, d, out);
    if (!r.defined()) return r;
    parts.push_back(r);
  }
  return RunNode(*op.layer, parts, g_.opset());
}

at::Tensor SimModel::Impl::HardMul(const ObserverPlan& op, const IntDomain& out) {
  std::vector<at::Tensor> ins;
  double scale = 1;
  for (int i = 0; i < 2; ++i) {
    const Value* v = op.layer->input(i);
    if (v && v->is_initializer() && v->type().dtype == DType::kFloat32) {
      IntConstant q = Int8PowerOfTwo(v->initializer());
      ins.push_back(ToTorch(q.ints));
      scale *= q.scale;
      continue;
    }
    at::Tensor x;
    IntDomain d;
    if (!IntOf(v, x, d)) return at::Tensor();
    ins.push_back(x);
    scale *= d.scale;
  }
  auto p = oss::Rescale(scale / out.scale, o_.weight_bits);
  return p.ok() ? OssEval(ins[0] * ins[1], *p) : at::Tensor();
}

at::Tensor SimModel::Impl::HardElementwise(const ObserverPlan& op, const IntDomain& out) {
  const Node& p = *op.layer;
  at::Tensor x;
  IntDomain dx;
  if (!IntOf(p.input(0), x, dx)) return at::Tensor();
  at::Tensor y;
  if (p.op_type() == "Clip") {
    y = Clamp(x, FusedClip(&p, dx));
  } else {
    std::vector<at::Tensor> in = {x};
    for (int i = 1; i < p.num_inputs(); ++i) in.push_back(p.input(i) ? vals_[slot_.at(p.input(i))] : at::Tensor());
    y = RunNode(p, in, g_.opset());
  }
  return Rescale(y, dx, out);
}

at::Tensor SimModel::Impl::HardInputBatchNorm(const ObserverPlan& op, const IntDomain& out) {
  const BnState& b = bns_.at(op.layer);
  auto d = [](const at::Tensor& t) {
    at::Tensor c = t.detach().to(at::kDouble).contiguous();
    return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
  };
  auto p = oss::InputBatchNorm(d(params_[b.p.gamma]), d(params_[b.p.beta]), d(b.p.mean), d(b.p.var),
                               b.p.eps, out, o_.weight_bits);
  if (!p.ok()) return at::Tensor();
  return OssEval(vals_[slot_.at(op.layer->input(0))].detach(), *p);
}

at::Tensor SimModel::Impl::Hard(const ObserverPlan& op, const at::Tensor& x, const IntDomain& out,
                                const RunMode& mode) {
  switch (op.kind) {
    case RequantKind::kInput:
    case RequantKind::kFloatOp: {
      auto p = oss::Input(out, o_.weight_bits);
      return p.ok() ? OssEval(x.detach(), *p) : at::Tensor();
    }
    case RequantKind::kInputBatchNorm:
      // With batch statistics there is no fixed block to mirror yet.
      if (mode.training && !mode.bn_frozen) return at::Tensor();
      return HardInputBatchNorm(op, out);
    case RequantKind::kWeighted: return HardWeighted(op, out);
    case RequantKind::kAdd:
    case RequantKind::kConstantAdd: return HardAdd(op, out);
    case RequantKind::kPool: return HardPool(op, out);
    case RequantKind::kConcat: return HardConcat(op, out);
    case RequantKind::kMul: return HardMul(op, out);
    case RequantKind::kElementwise: return HardElementwise(op, out);
    default: return at::Tensor();
  }
}

at::Tensor SimModel::Impl::Observe(const ObserverPlan& op, const at::Tensor& x, const RunMode& mode) {
  const int out_slot = slot_.at(op.observer->output(0));
  if (!mode.fake_quant) {
    if (mode.observed) mode.observed->push_back(x.detach());
    return x;
  }
  if (op.kind == RequantKind::kInherit) {
    // Values of a value-preserving op on quantized data are quantized already.
    qparams_[out_slot] = qparams_[slot_.at(op.root->output(0))];
    if (mode.observed) mode.observed->push_back(x.detach());
    return x;
  }
  ActState& a = acts_[plan_.by_observer.at(op.observer)];
  if (mode.training && !mode.observers_frozen) {
    // PyTorch's MovingAverageMinMaxObserver, started from the PTQ range.
    at::Tensor xd = x.detach();
    auto [mn, mx] = at::aminmax(xd);
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
    clip = FusedClip(op.act, d);
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
