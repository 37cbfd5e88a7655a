// lower_to_integer's layer patterns: Conv/Gemm/MatMul, Add, pooling,
// value-preserving ops and float-op fallbacks (see lower_to_integer.cc for
// the overall scheme and the math).
#include "passes/lowering.h"

namespace quantc::lowering {
namespace {

// Weight as float32 integers, Gemm weights transposed to [in, out].
std::optional<Tensor> IntegerWeight(const Node& m, const Tensor& wq) {
  if (wq.dtype() != DType::kInt8) return std::nullopt;
  Tensor w(DType::kFloat32, wq.dims());
  absl::Span<const int8_t> q = wq.data<int8_t>();
  float* out = w.mutable_data<float>();
  bool transpose = m.op_type() == "Gemm" && m.GetInt("transB", 0);
  if (!transpose) {
    for (size_t i = 0; i < q.size(); ++i) out[i] = q[i];
    return w;
  }
  int64_t n = wq.dims()[0], k = wq.dims()[1];
  Tensor t(DType::kFloat32, {k, n});
  float* o = t.mutable_data<float>();
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t c = 0; c < k; ++c) o[c * n + r] = q[r * k + c];
  }
  return t;
}

// The int8/int32 constant behind a DequantizeLinear input, with its params.
const Value* DequantizedConst(const Value* v) {
  const Node* dq = v ? v->producer() : nullptr;
  if (!dq || dq->op_type() != "DequantizeLinear" || !dq->input(0)->is_initializer() ||
      !dq->input(0)->quant()) {
    return nullptr;
  }
  return dq->input(0);
}

}  // namespace

// Per-channel OSS constants for a Conv/MatMul. With an 8-bit multiplier the
// product (acc + offset) * mult must stay below 2^24 so that float32
// evaluation (ONNX Runtime) equals the NPU's integer arithmetic for every
// input, not just typical ones: a channel whose worst case
// (sum |w| * max |x| + |offset|) would cross it gets a narrower multiplier.
std::optional<OssParams> Lowering::WeightedOss(const Node& m, const Tensor& wq, const IntValue& x,
                                               const std::vector<double>& ratio,
                                               const std::vector<double>& off0,
                                               const std::vector<double>& ro) {
  int bits = tinpu::LimitsFor(o_.weight_bits).multiplier_bits;
  if (bits == 1) return Oss(m, ratio, off0, &ro, 1, true);
  size_t channels = ratio.size();
  int64_t axis = WeightChannelAxis(m, wq.rank());
  std::vector<double> sums =
      axis >= 0 ? AbsSumsAlongAxis(wq, axis) : std::vector<double>(channels, 0.0);
  if (axis < 0) {  // per-tensor weights: every channel may see the whole tensor
    double total = AbsSumsAlongAxis(wq.Reshaped({1, wq.num_elements()}), 0)[0];
    std::fill(sums.begin(), sums.end(), total);
  }
  double xmax = x.is_unsigned ? 255 : 128;
  OssParams all;
  for (size_t c = 0; c < channels; ++c) {
    double sum = sums[c];
    double bound = sum * xmax + std::abs(off0[c]) + std::abs(ro[c]) + 1;
    int b = bits;
    while (b > 1 && bound * ((1 << b) - 1) >= 16777216.0) --b;
    std::vector<double> round_term = {ro[c]};
    auto one = Oss(m, {ratio[c]}, {off0[c]}, &round_term, b, true);
    if (!one) return std::nullopt;
    all.offset.push_back(one->offset[0]);
    all.mult.push_back(one->mult[0]);
    all.shift_mult.push_back(one->shift_mult[0]);
    all.shift.push_back(one->shift[0]);
  }
  return all;
}

// The offset field holds the bias in accumulator units, b / (s_x s_w[c]):
// int24 at 8-bit weights. A large bias on a channel with a fine weight scale
// overflows it; coarsening that channel's weight scale by 2^k (and its
// integer weights by the same factor, rounded) is the repair that keeps the
// bias exact at the cost of weight resolution on that channel only.
void Lowering::FitBiasesToOffsetField(const Node& m, const Value& bq, const IntValue& x,
                                      std::vector<double>& sws, Tensor& w) {
  const tinpu::OssLimits limits = tinpu::LimitsFor(o_.weight_bits);
  const QuantParams& bp = *bq.quant();
  bool k_major = m.op_type() == "MatMul" || m.op_type() == "Gemm";  // w is [in, out] here
  int64_t axis = k_major || m.op_type() == "ConvTranspose" ? 1 : 0;
  int64_t channels = static_cast<int64_t>(sws.size());
  int64_t inner = 1;
  for (int64_t d = axis + 1; d < w.rank(); ++d) inner *= w.dims()[d];
  for (int64_t c = 0; c < channels; ++c) {
    int64_t i = bq.initializer().num_elements() == 1 ? 0 : c;
    double real = bq.initializer().GetAsDouble(i) * bp.scale[bp.scale.size() == 1 ? 0 : c];
    // Leave room for the rounding term (at most half the output step).
    double need = std::abs(real) / (static_cast<double>(x.scale) * sws[c]);
    double room = static_cast<double>(limits.offset_max) / 2;
    if (need <= room) continue;
    double factor = std::ldexp(1.0, static_cast<int>(std::ceil(std::log2(need / room))));
    float* data = w.mutable_data<float>();
    for (int64_t k = 0; k < w.num_elements(); ++k) {
      if ((k / inner) % channels == c) data[k] = static_cast<float>(RoundHalfEven(data[k] / factor));
    }
    if (o_.log) {
      o_.log->push_back(absl::StrCat(m.Describe(), ": channel ", c, " weight scale x", factor,
                                     ": its bias (", need, " accumulator units) would overflow the ",
                                     "offset field"));
    }
    sws[c] *= factor;
  }
}

Value* Lowering::LowerWeighted(IntegerBuilder& b, Node* m, Node* act, const IntValue& out) {
  std::optional<IntValue> x = IntOf(*m, m->input(0));
  const Value* wq = DequantizedConst(m->input(1));
  if (!x) return nullptr;
  if (!wq) {
    Fail(*m, "needs an int8 weight constant");
    return nullptr;
  }
  if (m->op_type() == "ConvTranspose" && m->GetInt("group", 1) != 1) {
    Fail(*m, "grouped ConvTranspose has no per-channel TINPU form");
    return nullptr;
  }
  if (m->op_type() == "Gemm" && (m->GetInt("transA", 0) || m->GetFloat("alpha", 1.f) != 1.f)) {
    Fail(*m, "Gemm with transA or alpha != 1 has no TINPU form");
    return nullptr;
  }
  std::optional<Tensor> w = IntegerWeight(*m, wq->initializer());  // copied: may be repaired
  bool conv_like = m->op_type() == "Conv" || m->op_type() == "ConvTranspose";
  if (!w || (!conv_like && w->rank() != 2)) {
    Fail(*m, "weight must be int8 (and 2-D for MatMul/Gemm)");
    return nullptr;
  }
  const QuantParams& wp = *wq->quant();
  const Value* bq = m->num_inputs() > 2 ? DequantizedConst(m->input(2)) : nullptr;
  if (m->num_inputs() > 2 && m->input(2) && !bq) {
    Fail(*m, "bias must be an int32 constant");
    return nullptr;
  }
  int64_t channels = m->op_type() == "Conv" ? w->dims()[0] : w->dims()[1];
  std::vector<double> ratio(channels), off0(channels, 0.0), ro(channels);
  std::vector<double> sws(channels);
  for (int64_t c = 0; c < channels; ++c) sws[c] = wp.scale.size() == 1 ? wp.scale[0] : wp.scale[c];
  if (bq) FitBiasesToOffsetField(*m, *bq, *x, sws, *w);
  for (int64_t c = 0; c < channels; ++c) {
    double sw = sws[c];
    ratio[c] = static_cast<double>(x->scale) * sw / out.scale;
    ro[c] = 1.0 / (2.0 * ratio[c]);
    if (bq) {
      // Re-derive the integer bias at the current accumulator scale:
      // legalization may have moved the input scale since insert_qdq.
      const QuantParams& bp = *bq->quant();
      int64_t i = bq->initializer().num_elements() == 1 ? 0 : c;
      double real = bq->initializer().GetAsDouble(i) * bp.scale[bp.scale.size() == 1 ? 0 : c];
      off0[c] = RoundHalfEven(real / (static_cast<double>(x->scale) * sw));
    }
  }
  auto p = WeightedOss(*m, wq->initializer(), *x, ratio, off0, ro);
  if (!p) return nullptr;
  const std::string& name = m->name().empty() ? m->output(0)->name() : m->name();
  Value* wv = g_.AddInitializer(name + "_weight_int", *w);
  const TensorType& acc_type = m->output(0)->type();
  Value* acc;
  if (conv_like) {
    acc = b.Op(m->op_type(), {x->v, wv}, name + "_acc", acc_type, m->attributes());
  } else {
    acc = b.Op("MatMul", {x->v, wv}, name + "_acc", acc_type);
  }
  return b.Oss(acc, *p, FusedClip(act, out), name + "_requant", acc_type);
}

// Activation + constant (e.g. the bias of a Linear on a 3-D tensor, which
// exports as MatMul + Add): the constant joins the integers at the
// activation's scale, rounded, keeping its own broadcast shape.
Value* Lowering::LowerConstantAdd(IntegerBuilder& b, Node* m, Node* act, const IntValue& out) {
  int ci = m->input(1)->is_initializer() ? 1 : 0;
  std::optional<IntValue> x = IntOf(*m, m->input(1 - ci));
  if (!x) return nullptr;
  const Tensor& c = m->input(ci)->initializer();
  if (c.dtype() != DType::kFloat32) {
    Fail(*m, "constant addend must be float32");
    return nullptr;
  }
  Tensor ci_int(DType::kFloat32, c.dims());
  for (int64_t i = 0; i < c.num_elements(); ++i) {
    ci_int.mutable_data<float>()[i] =
        static_cast<float>(RoundHalfEven(c.GetAsDouble(i) / x->scale));
  }
  const std::string& name = m->name().empty() ? m->output(0)->name() : m->name();
  const TensorType& type = m->output(0)->type();
  Value* sum = b.Op("Add", {x->v, g_.AddInitializer(name + "_addend_int", ci_int)}, name + "_sum", type);
  double w = static_cast<double>(x->scale) / out.scale;
  auto p = Oss(*m, {w}, {0.0}, nullptr, MultiplierBits(w), true);
  return p ? b.Oss(sum, *p, FusedClip(act, out), name + "_requant", type) : nullptr;
}

Value* Lowering::LowerAdd(IntegerBuilder& b, Node* m, Node* act, const IntValue& out) {
  if (m->input(0)->is_initializer() != m->input(1)->is_initializer()) {
    return LowerConstantAdd(b, m, act, out);
  }
  std::optional<IntValue> x = IntOf(*m, m->input(0)), y = IntOf(*m, m->input(1));
  if (!x || !y) return nullptr;
  const std::string& name = m->name().empty() ? m->output(0)->name() : m->name();
  const TensorType& type = m->output(0)->type();
  float fine = std::min(x->scale, y->scale);
  // Bring both to the finer scale: an exact multiply by a power of two.
  auto align = [&](const IntValue& v, const std::string& tag) -> Value* {
    double k = static_cast<double>(v.scale) / fine;
    if (k == 1) return v.v;
    if (!IsPowerOfTwo(k)) {
      Fail(*m, "input scales must differ by a power of two; run legalize_tinpu");
      return nullptr;
    }
    return b.Op("Mul", {v.v, b.ChannelConst(name + tag, {static_cast<float>(k)}, 1)},
                name + tag + "_aligned", type);
  };
  Value* xa = align(*x, "_lhs_scale");
  Value* ya = align(*y, "_rhs_scale");
  if (!xa || !ya) return nullptr;
  Value* sum = b.Op("Add", {xa, ya}, name + "_sum", type);
  double w = static_cast<double>(fine) / out.scale;
  auto p = Oss(*m, {w}, {0.0}, nullptr, MultiplierBits(w), true);
  return p ? b.Oss(sum, *p, FusedClip(act, out), name + "_requant", type) : nullptr;
}

Value* Lowering::LowerPool(IntegerBuilder& b, Node* p, const IntValue& out) {
  std::optional<IntValue> x = IntOf(*p, p->input(0));
  auto dims = p->input(0)->type().StaticDims();
  if (!x || !dims || dims->size() < 3) {
    if (x) Fail(*p, "pooling needs a static input shape");
    return nullptr;
  }
  const std::string& name = p->name().empty() ? p->output(0)->name() : p->name();
  const TensorType& type = p->output(0)->type();
  double area = 1;
  Value* sum;
  if (p->op_type() == "GlobalAveragePool") {
    std::vector<int64_t> axes;
    for (size_t a = 2; a < dims->size(); ++a) {
      axes.push_back(static_cast<int64_t>(a));
      area *= static_cast<double>((*dims)[a]);
    }
    Tensor at = Tensor::FromVector<int64_t>({static_cast<int64_t>(axes.size())}, axes);
    if (g_.opset() >= 13) {
      sum = b.Op("ReduceSum", {x->v, g_.AddInitializer(name + "_axes", at)}, name + "_sum", type,
                 {Attribute::Int("keepdims", 1)});
    } else {
      sum = b.Op("ReduceSum", {x->v}, name + "_sum", type,
                 {Attribute::Ints("axes", axes), Attribute::Int("keepdims", 1)});
    }
  } else {
    bool pads = false;
    for (int64_t v : p->GetInts("pads")) pads = pads || v != 0;
    if ((pads && !p->GetInt("count_include_pad", 0)) || p->GetInt("ceil_mode", 0) ||
        p->GetString("auto_pad", "NOTSET") != "NOTSET") {
      Fail(*p, "AveragePool must divide by the full window (count_include_pad or no padding)");
      return nullptr;
    }
    for (int64_t k : p->GetInts("kernel_shape")) area *= static_cast<double>(k);
    Value* avg = b.Op("AveragePool", {x->v}, name + "_avg", type, p->attributes());
    Value* scaled = b.Op("Mul", {avg, b.ChannelConst(name + "_area", {static_cast<float>(area)}, 1)},
                         name + "_window_sum", type);
    // The float average times A is the integer window sum up to rounding.
    sum = b.Op("Round", {scaled}, name + "_sum", type);
  }
  double w = static_cast<double>(x->scale) / (area * out.scale);
  auto params = Oss(*p, {w}, {0.0}, nullptr, MultiplierBits(w), true);
  return params ? b.Oss(sum, *params, RangeOf(out.is_unsigned), name + "_requant", type) : nullptr;
}

Value* Lowering::LowerElementwise(IntegerBuilder& b, Node* p, const IntValue& out) {
  std::optional<IntValue> x = IntOf(*p, p->input(0));
  if (!x) return nullptr;
  const std::string& name = p->name().empty() ? p->output(0)->name() : p->name();
  const TensorType& type = p->output(0)->type();
  Value* y;
  if (p->op_type() == "Clip") {
    IntValue in_domain{nullptr, x->scale, x->is_unsigned};
    ClipRange r = FusedClip(p, in_domain);
    y = b.Clip(x->v, static_cast<double>(r.lo), static_cast<double>(r.hi), name + "_int", type);
  } else {
    std::vector<Value*> ins(p->inputs().begin(), p->inputs().end());
    ins[0] = x->v;
    y = b.Op(p->op_type(), ins, name + "_int", type, p->attributes());
  }
  IntValue yv{y, x->scale, x->is_unsigned};
  return Rescale(b, *p, yv, out, name + "_requant", type);
}

Value* Lowering::LowerFloatOp(IntegerBuilder& b, Node* p, const IntValue& out) {
  const std::string& name = p->name().empty() ? p->output(0)->name() : p->name();
  std::vector<Value*> ins(p->inputs().begin(), p->inputs().end());
  for (Value*& in : ins) {
    auto it = in ? ints_.find(in) : ints_.end();
    if (it == ints_.end()) continue;
    in = b.Op("Mul", {it->second.v, b.Scalar(in->name() + "_dequant_scale", it->second.scale)},
              in->name() + "_real", in->type());
  }
  Value* y = b.Op(p->op_type(), ins, name + "_float", p->output(0)->type(), p->attributes());
  y->producer()->set_float_op(true);
  auto params = Oss(*p, {1.0 / out.scale}, {0.0}, nullptr, 8, false);
  return params ? b.Oss(y, *params, RangeOf(out.is_unsigned), name + "_requant", p->output(0)->type())
                : nullptr;
}

Value* Lowering::LowerConcat(IntegerBuilder& b, Node* p, const IntValue& out) {
  const std::string& name = p->name().empty() ? p->output(0)->name() : p->name();
  std::vector<Value*> ins;
  for (int i = 0; i < p->num_inputs(); ++i) {
    std::optional<IntValue> x = IntOf(*p, p->input(i));
    if (!x) return nullptr;
    Value* r = Rescale(b, *p, *x, out, absl::StrCat(name, "_in", i), p->input(i)->type());
    if (!r) return nullptr;
    ins.push_back(r);
  }
  return b.Op("Concat", ins, name + "_int", p->output(0)->type(), p->attributes());
}

// Integer product at scale s_a * s_b; a constant factor is quantized to int8
// (symmetric, power-of-two scale) first.
Value* Lowering::LowerMul(IntegerBuilder& b, Node* p, const IntValue& out) {
  const std::string& name = p->name().empty() ? p->output(0)->name() : p->name();
  const TensorType& type = p->output(0)->type();
  std::vector<Value*> ins;
  double scale = 1;
  for (int i = 0; i < 2; ++i) {
    Value* in = p->input(i);
    if (in && in->is_initializer() && in->type().dtype == DType::kFloat32) {
      const Tensor& c = in->initializer();
      double max_abs = 0;
      for (int64_t k = 0; k < c.num_elements(); ++k) max_abs = std::max(max_abs, std::abs(c.GetAsDouble(k)));
      double s = max_abs > 0 ? std::ldexp(1.0, static_cast<int>(std::ceil(std::log2(max_abs / 127)))) : 1;
      Tensor q(DType::kFloat32, c.dims());
      for (int64_t k = 0; k < c.num_elements(); ++k) {
        q.mutable_data<float>()[k] = static_cast<float>(RoundHalfEven(c.GetAsDouble(k) / s));
      }
      ins.push_back(g_.AddInitializer(absl::StrCat(name, "_factor", i, "_int"), q));
      scale *= s;
      continue;
    }
    std::optional<IntValue> x = IntOf(*p, in);
    if (!x) return nullptr;
    ins.push_back(x->v);
    scale *= x->scale;
  }
  Value* prod = b.Op("Mul", ins, name + "_product", type);
  double w = scale / out.scale;
  auto params = Oss(*p, {w}, {0.0}, nullptr, MultiplierBits(w), true);
  return params ? b.Oss(prod, *params, RangeOf(out.is_unsigned), name + "_requant", type) : nullptr;
}

}  // namespace quantc::lowering
