// lower_to_integer: QDQ form -> TINPU integer form (tinpu-format.md §4).
//
//   Before:  %x_dq = DequantizeLinear(%x_q, s_x, zp_x)
//            %c = Conv(%x_dq, DequantizeLinear(%w_q, s_w[C]), DequantizeLinear(%b_q, s_x*s_w))
//            %r = Relu(%c);  %r_q = QuantizeLinear(%r, s_r, zp_r)
//   After:   %acc = Conv(%x_int, %w_int)                      (integers in float32, no bias)
//            %r_int = Clip(Floor(Mul(Mul(Add(%acc, off[C]), mult[C]), 2^-shift[C])), 0, 255)
//
// Every quantized tensor becomes its zero-point-free integer x_int = q - zp
// (zp is 0 for signed tensors and qmin for unsigned ones, so x_int is in
// [-128, 127] or [0, 255]) stored in float32, and every requantization an
// OSS block (integer_builder.h) with w = s_in * s_w[c] / s_out realized as
// mult * 2^-shift (backends/tinpu/oss.h; mult = 1 at 8-bit weights):
// * Conv/Gemm/MatMul: acc = sum x_int * w_int; offset = qbias + round term
//   s_out / (2 s_acc), so floor((acc + offset) * w) rounds half up. Gemm
//   becomes MatMul with the weight stored [in, out]. A fused Relu/Clip
//   narrows the OSS clip instead of adding nodes.
// * Add: inputs are brought to the finer input scale by exact power-of-two
//   Muls, added, then requantized (a correct rescale, unlike TI's add rules).
// * GlobalAveragePool: ReduceSum, then OSS with w = s_in / (H W s_out) and
//   no zero-point term (TI adds the input zero point: pitfall 5).
// * AveragePool: AveragePool * A, Round (exact window sum), OSS with 1/A; the
//   rounding term is counted once (TI counts it twice: pitfall 6).
// * MaxPool, Flatten, Reshape, Transpose, Relu...: the op on integers, plus an
//   OSS when the output scale differs.
// * Graph input: an input-quantize OSS (w = 1/s, 8-bit multiplier,
//   fractional offset), unless the input is declared pre-quantized.
// * Graph output: the integers (output_int) or a final Mul by the scale.
// * float_ops nodes: a Mul by the scale dequantizes their inputs, an
//   input-quantize OSS requantizes their output (explicit CPU fallback).
// Anything else is Unimplemented, and every such node is listed at once.
// The QDQ nodes become dead; remove_dead_nodes deletes them.
#include "passes/lower_to_integer.h"

#include <cmath>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "passes/insert_observers.h"
#include "passes/integer_builder.h"
#include "passes/quant_roles.h"

namespace quantc {
namespace {

using tinpu::ClipRange;
using tinpu::OssParams;

// A quantized activation in TINPU's integer domain.
struct IntValue {
  Value* v;          // float32 tensor of integers q - zp
  float scale;       // real = v * scale
  bool is_unsigned;  // range [0, 255] rather than [-128, 127]
};

ClipRange RangeOf(bool is_unsigned) {
  return is_unsigned ? tinpu::UnsignedRange(8) : tinpu::SignedRange(8);
}

bool IsPowerOfTwo(double x) {
  int e;
  return x > 0 && std::frexp(x, &e) == 0.5;
}

// Multiplier width for a rescale by w: a plain shift (B = 1, multiplier 1)
// when w is 2^-k, else an 8-bit multiplier (pool areas such as 9, or w > 1).
int MultiplierBits(double w) { return IsPowerOfTwo(w) && w <= 1 ? 1 : 8; }

class Lowering {
 public:
  Lowering(Graph& g, const LowerToIntegerOptions& o) : g_(g), o_(o) {}

  absl::StatusOr<bool> Run() {
    bool changed = false;
    for (Node* n : g_.nodes().ToVector()) {
      if (n->op_type() != "QuantizeLinear" || !n->output(0)->quant() || n->output(0)->uses().empty()) {
        continue;
      }
      LowerQuantize(n);
      changed = true;
    }
    if (errors_.empty()) LowerOutputs();
    if (!errors_.empty()) {
      return absl::UnimplementedError(absl::StrCat("cannot lower to TINPU integers: ",
                                                   absl::StrJoin(errors_, "; ")));
    }
    return changed;
  }

 private:
  void Fail(const Node& n, const std::string& why) {
    errors_.push_back(absl::StrCat(n.Describe(), ": ", why));
  }

  // The output domain of a QuantizeLinear, or nullopt (error recorded).
  std::optional<IntValue> OutputOf(const Node& q) {
    const QuantParams& p = *q.output(0)->quant();
    bool is_unsigned = (p.storage == DType::kInt8 && p.zero_point[0] == -128) ||
                       (p.storage == DType::kUInt8 && p.zero_point[0] == 0);
    bool is_signed = p.storage == DType::kInt8 && p.zero_point[0] == 0;
    if (p.scale.size() != 1 || (!is_unsigned && !is_signed)) {
      Fail(q, "activation must be per-tensor symmetric (zero point 0, or the type's minimum for "
              "non-negative data); run legalize_tinpu");
      return std::nullopt;
    }
    if (!IsPowerOfTwo(p.scale[0]) && o_.weight_bits == 8) {
      Fail(q, absl::StrCat("scale ", p.scale[0], " is not a power of two; run legalize_tinpu"));
      return std::nullopt;
    }
    return IntValue{nullptr, p.scale[0], is_unsigned};
  }

  // The integer form of a dequantized activation (a DequantizeLinear output).
  std::optional<IntValue> IntOf(const Node& user, Value* v) {
    auto it = ints_.find(v);
    if (it != ints_.end()) return it->second;
    Fail(user, absl::StrCat("input '", v ? v->name() : "", "' is not a quantized activation"));
    return std::nullopt;
  }

  std::optional<OssParams> Oss(const Node& n, const std::vector<double>& w,
                               const std::vector<double>& off0,
                               const std::vector<double>* ro, int mult_bits, bool int_bias) {
    std::optional<absl::Span<const double>> ro_span;
    if (ro) ro_span = absl::MakeConstSpan(*ro);
    auto p = tinpu::ComputeOss(w, off0, ro_span, mult_bits, 5, int_bias,
                               tinpu::LimitsFor(o_.weight_bits));
    if (!p.ok()) {
      Fail(n, std::string(p.status().message()));
      return std::nullopt;
    }
    return *p;
  }

  // Requantizes integers at scale `from` to `to` (a no-op when equal).
  Value* Rescale(IntegerBuilder& b, const Node& n, const IntValue& x, const IntValue& to,
                 const std::string& name, const TensorType& type) {
    if (x.scale == to.scale && x.is_unsigned == to.is_unsigned) return x.v;
    double w = static_cast<double>(x.scale) / to.scale;
    auto p = Oss(n, {w}, {0.0}, nullptr, MultiplierBits(w), true);
    return p ? b.Oss(x.v, *p, RangeOf(to.is_unsigned), name, type) : nullptr;
  }

  void LowerQuantize(Node* q);
  Value* LowerInput(IntegerBuilder& b, Node* q, Value* x, const IntValue& out);
  Value* LowerWeighted(IntegerBuilder& b, Node* m, Node* act, const IntValue& out);
  std::optional<OssParams> WeightedOss(const Node& m, const Tensor& wq, const IntValue& x,
                                       const std::vector<double>& ratio,
                                       const std::vector<double>& off0,
                                       const std::vector<double>& ro);
  Value* LowerAdd(IntegerBuilder& b, Node* m, Node* act, const IntValue& out);
  Value* LowerPool(IntegerBuilder& b, Node* p, const IntValue& out);
  Value* LowerElementwise(IntegerBuilder& b, Node* p, const IntValue& out);
  Value* LowerFloatOp(IntegerBuilder& b, Node* p, const IntValue& out);
  ClipRange FusedClip(const Node* act, const IntValue& out);
  void LowerOutputs();

  Graph& g_;
  const LowerToIntegerOptions& o_;
  absl::flat_hash_map<const Value*, IntValue> ints_;  // DequantizeLinear output -> integers
  std::vector<std::string> errors_;
};

void Lowering::LowerQuantize(Node* q) {
  std::optional<IntValue> out = OutputOf(*q);
  if (!out) return;
  Value* x = q->input(0);
  Node* p = x->producer();
  IntegerBuilder b(g_, q);
  Value* result = nullptr;
  if (!p) {
    result = LowerInput(b, q, x, *out);
  } else if (IsFloatOp(*p, o_.float_ops)) {
    result = LowerFloatOp(b, p, *out);
  } else if (RoleOf(*p) == QuantRole::kActivation && FusesIntoProducer(g_, *p)) {
    Node* m = p->input(0)->producer();
    result = m->op_type() == "Add" ? LowerAdd(b, m, p, *out) : LowerWeighted(b, m, p, *out);
  } else if (RoleOf(*p) == QuantRole::kWeighted) {
    result = LowerWeighted(b, p, nullptr, *out);
  } else if (p->op_type() == "Add") {
    result = LowerAdd(b, p, nullptr, *out);
  } else if (p->op_type() == "GlobalAveragePool" || p->op_type() == "AveragePool") {
    result = LowerPool(b, p, *out);
  } else if (RoleOf(*p) == QuantRole::kValuePreserving || RoleOf(*p) == QuantRole::kActivation) {
    result = LowerElementwise(b, p, *out);
  } else {
    Fail(*p, "has no TINPU integer form; keep it in float with --float-ops");
  }
  if (!result) return;
  out->v = result;
  for (const Use& u : q->output(0)->uses()) {
    if (u.user->op_type() == "DequantizeLinear") ints_[u.user->output(0)] = *out;
  }
}

Value* Lowering::LowerInput(IntegerBuilder& b, Node* q, Value* x, const IntValue& out) {
  if (o_.input_prequantized) return x;
  // round(x / s) as floor(x / s + 1/2), with an 8-bit multiplier (§4.14).
  auto p = Oss(*q, {1.0 / out.scale}, {0.0}, nullptr, 8, false);
  return p ? b.Oss(x, *p, RangeOf(out.is_unsigned), x->name() + "_int", x->type()) : nullptr;
}

ClipRange Lowering::FusedClip(const Node* act, const IntValue& out) {
  ClipRange r = RangeOf(out.is_unsigned);
  if (!act) return r;
  if (act->op_type() == "Relu") r.lo = std::max<int64_t>(r.lo, 0);
  if (act->op_type() == "Clip") {
    auto bound = [&](int input, const char* attr, double dflt) {
      const Value* v = act->input(input);
      if (v && v->is_initializer()) return v->initializer().GetAsDouble(0);
      return static_cast<double>(act->GetFloat(attr, static_cast<float>(dflt)));
    };
    // q(clip(y)) = clamp(rne(y/s), rne(min/s), rne(max/s)): rne is monotone.
    double lo = std::nearbyint(bound(1, "min", -INFINITY) / out.scale);
    double hi = std::nearbyint(bound(2, "max", INFINITY) / out.scale);
    if (std::isfinite(lo)) r.lo = std::max<int64_t>(r.lo, static_cast<int64_t>(lo));
    if (std::isfinite(hi)) r.hi = std::min<int64_t>(r.hi, static_cast<int64_t>(hi));
  }
  return r;
}


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
  bool k_major = m.op_type() == "MatMul" || (m.op_type() == "Gemm" && !m.GetInt("transB", 0));
  int64_t k = wq.num_elements() / static_cast<int64_t>(channels);
  absl::Span<const int8_t> q = wq.data<int8_t>();
  double xmax = x.is_unsigned ? 255 : 128;
  OssParams all;
  for (size_t c = 0; c < channels; ++c) {
    double sum = 0;
    for (int64_t i = 0; i < k; ++i) sum += std::abs(q[k_major ? i * channels + c : c * k + i]);
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

Value* Lowering::LowerWeighted(IntegerBuilder& b, Node* m, Node* act, const IntValue& out) {
  std::optional<IntValue> x = IntOf(*m, m->input(0));
  const Value* wq = DequantizedConst(m->input(1));
  if (!x) return nullptr;
  if (!wq || m->op_type() == "ConvTranspose") {
    Fail(*m, "needs an int8 weight constant (ConvTranspose is not supported yet)");
    return nullptr;
  }
  if (m->op_type() == "Gemm" && (m->GetInt("transA", 0) || m->GetFloat("alpha", 1.f) != 1.f)) {
    Fail(*m, "Gemm with transA or alpha != 1 has no TINPU form");
    return nullptr;
  }
  std::optional<Tensor> w = IntegerWeight(*m, wq->initializer());
  if (!w || (m->op_type() != "Conv" && w->rank() != 2)) {
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
  for (int64_t c = 0; c < channels; ++c) {
    double sw = wp.scale.size() == 1 ? wp.scale[0] : wp.scale[c];
    ratio[c] = static_cast<double>(x->scale) * sw / out.scale;
    ro[c] = 1.0 / (2.0 * ratio[c]);
    if (bq) {
      // Re-derive the integer bias at the current accumulator scale:
      // legalization may have moved the input scale since insert_qdq.
      const QuantParams& bp = *bq->quant();
      int64_t i = bq->initializer().num_elements() == 1 ? 0 : c;
      double real = bq->initializer().GetAsDouble(i) * bp.scale[bp.scale.size() == 1 ? 0 : c];
      off0[c] = tinpu::RoundHalfEven(real / (static_cast<double>(x->scale) * sw));
    }
  }
  auto p = WeightedOss(*m, wq->initializer(), *x, ratio, off0, ro);
  if (!p) return nullptr;
  const std::string& name = m->name().empty() ? m->output(0)->name() : m->name();
  Value* wv = g_.AddInitializer(name + "_weight_int", *w);
  const TensorType& acc_type = m->output(0)->type();
  Value* acc;
  if (m->op_type() == "Conv") {
    acc = b.Op("Conv", {x->v, wv}, name + "_acc", acc_type, m->attributes());
  } else {
    acc = b.Op("MatMul", {x->v, wv}, name + "_acc", acc_type);
  }
  return b.Oss(acc, *p, FusedClip(act, out), name + "_requant", acc_type);
}

Value* Lowering::LowerAdd(IntegerBuilder& b, Node* m, Node* act, const IntValue& out) {
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
  auto params = Oss(*p, {1.0 / out.scale}, {0.0}, nullptr, 8, false);
  return params ? b.Oss(y, *params, RangeOf(out.is_unsigned), name + "_requant", p->output(0)->type())
                : nullptr;
}

void Lowering::LowerOutputs() {
  for (size_t i = 0; i < g_.outputs().size(); ++i) {
    Value* y = g_.outputs()[i];
    auto it = ints_.find(y);
    if (it == ints_.end()) continue;
    Value* result = it->second.v;
    if (!o_.output_int) {
      IntegerBuilder b(g_, nullptr);
      result = b.Op("Mul", {result, b.Scalar(y->name() + "_scale", it->second.scale)},
                    y->name() + "_real", y->type());
    }
    g_.ReplaceAllUsesWith(y, result);
  }
}

}  // namespace

absl::StatusOr<bool> LowerToIntegerPass::Run(Graph& graph) {
  return Lowering(graph, options_).Run();
}

}  // namespace quantc
