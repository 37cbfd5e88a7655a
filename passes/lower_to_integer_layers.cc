// lower_to_integer's layer patterns: Conv/Gemm/MatMul, Add, pooling,
// value-preserving ops and float-op fallbacks (see lower_to_integer.cc for
// the overall scheme and the math). Every requantization's constants come
// from the legality model (Realize), for the Requant tinpu_requant.cc
// derived from the same graph that legalize_tinpu checked.
#include "passes/lowering.h"

#include <algorithm>

namespace quantc::lowering {
namespace {

// Weight as float32 integers, Gemm weights transposed to [in, out].
std::optional<Tensor> IntegerWeight(const Node& m, const Tensor& wq) {
  if (wq.dtype() != DType::kInt8) return std::nullopt;
  Tensor w(DType::kFloat32, wq.dims());
  absl::Span<const int8_t> q = wq.data<int8_t>();
  bool transpose = m.op_type() == "Gemm" && m.GetInt("transB", 0);
  if (!transpose) {
    // __restrict: an int8_t may alias a float, which would keep the
    // compiler from vectorizing a loop bias correction runs once per layer
    // over every weight.
    const int8_t* __restrict in = q.data();
    float* __restrict out = w.mutable_data<float>();
    for (size_t i = 0; i < q.size(); ++i) out[i] = in[i];
    return w;
  }
  int64_t n = wq.dims()[0], k = wq.dims()[1];
  Tensor t(DType::kFloat32, {k, n});
  float* o = t.mutable_data<float>();
  // In bands of rows: each output row is written in runs while the band's
  // source rows stay in cache (a plain row-by-row transpose writes with a
  // stride of n floats and dominated bias correction's per-layer emits).
  constexpr int64_t kBand = 64;
  for (int64_t r0 = 0; r0 < n; r0 += kBand) {
    const int64_t r1 = std::min(n, r0 + kBand);
    for (int64_t c = 0; c < k; ++c) {
      for (int64_t r = r0; r < r1; ++r) o[c * n + r] = q[r * k + c];
    }
  }
  return t;
}

const std::string& NameOf(const Node& n) { return n.name().empty() ? n.output(0)->name() : n.name(); }

}  // namespace

Value* Lowering::LowerWeighted(IntegerBuilder& b, Node* m, Node* act, const IntValue& out,
                               const Requant& r) {
  std::optional<IntValue> x = IntOf(*m, m->input(0));
  const Value* wq = DequantizedConstant(m->input(1));
  if (!x) return nullptr;
  if (m->op_type() == "Gemm" && (m->GetInt("transA", 0) || m->GetFloat("alpha", 1.f) != 1.f)) {
    Fail(*m, "Gemm with transA or alpha != 1 has no TINPU form");
    return nullptr;
  }
  std::optional<Tensor> w = wq ? IntegerWeight(*m, wq->initializer()) : std::nullopt;
  bool conv_like = m->op_type() == "Conv" || m->op_type() == "ConvTranspose";
  if (!w || (!conv_like && w->rank() != 2)) {
    Fail(*m, "weight must be int8 (and 2-D for MatMul/Gemm)");
    return nullptr;
  }
  auto z = Realize(*m, r, out.scale);
  if (!z) return nullptr;
  const std::string& name = NameOf(*m);
  Value* wv = g_.AddInitializer(name + "_weight_int", *w);
  const TensorType& acc_type = m->output(0)->type();
  Value* acc;
  if (conv_like) {
    acc = b.Op(m->op_type(), {x->v, wv}, name + "_acc", acc_type, m->attributes());
  } else {
    acc = b.Op("MatMul", {x->v, wv}, name + "_acc", acc_type);
  }
  // real = (acc + qbias[c]) * s_acc[c]: the layer's float output, as built.
  if (o_.taps) o_.taps->push_back({m->output(0)->name(), acc, r.unit, r.offset});
  return b.Oss(acc, z->oss, FusedClip(act, out), name + "_requant", acc_type);
}

// Activation + constant (e.g. the bias of a Linear on a 3-D tensor, which
// exports as MatMul + Add): the constant joins the integers at the
// activation's scale, rounded, keeping its own broadcast shape.
Value* Lowering::LowerConstantAdd(IntegerBuilder& b, Node* m, Node* act, const IntValue& out,
                                  const Requant& r) {
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
    ci_int.mutable_data<float>()[i] = static_cast<float>(RoundHalfEven(c.GetAsDouble(i) / x->scale));
  }
  const std::string& name = NameOf(*m);
  const TensorType& type = m->output(0)->type();
  auto z = Realize(*m, r, out.scale);
  if (!z) return nullptr;
  Value* sum = b.Op("Add", {x->v, g_.AddInitializer(name + "_addend_int", ci_int)}, name + "_sum", type);
  return b.Oss(sum, z->oss, FusedClip(act, out), name + "_requant", type);
}

Value* Lowering::LowerAdd(IntegerBuilder& b, Node* m, Node* act, const IntValue& out,
                          const Requant& r) {
  std::optional<IntValue> x = IntOf(*m, m->input(0)), y = IntOf(*m, m->input(1));
  if (!x || !y) return nullptr;
  const std::string& name = NameOf(*m);
  const TensorType& type = m->output(0)->type();
  const double align = r.unit[0];  // the legality model's alignment scale
  // Bring both to the alignment scale: an exact multiply by a power of two,
  // or (an input finer than float32 allows) a requantization down.
  auto to_align = [&](const IntValue& v, const std::string& tag) -> Value* {
    double k = static_cast<double>(v.scale) / align;
    if (k == 1) return v.v;
    if (k < 1) {
      auto z = Realize(*m, Requant{tinpu::RequantSite::kMove, {v.scale}, {}, {}}, align);
      return z ? b.Oss(v.v, z->oss, model_.DomainRange(v.is_unsigned), name + tag + "_down", type)
               : nullptr;
    }
    if (!IsPowerOfTwo(k)) {
      Fail(*m, "input scales must differ by a power of two; run legalize_tinpu");
      return nullptr;
    }
    return b.Op("Mul", {v.v, b.ChannelConst(name + tag, {static_cast<float>(k)}, 1)},
                name + tag + "_aligned", type);
  };
  Value* xa = to_align(*x, "_lhs_scale");
  Value* ya = to_align(*y, "_rhs_scale");
  auto z = Realize(*m, r, out.scale);
  if (!xa || !ya || !z) return nullptr;
  Value* sum = b.Op("Add", {xa, ya}, name + "_sum", type);
  return b.Oss(sum, z->oss, FusedClip(act, out), name + "_requant", type);
}

Value* Lowering::LowerPool(IntegerBuilder& b, Node* p, const IntValue& out, const Requant& r) {
  std::optional<IntValue> x = IntOf(*p, p->input(0));
  auto dims = p->input(0)->type().StaticDims();
  if (!x || !dims || dims->size() < 3) {
    if (x) Fail(*p, "pooling needs a static input shape");
    return nullptr;
  }
  const std::string& name = NameOf(*p);
  const TensorType& type = p->output(0)->type();
  auto z = Realize(*p, r, out.scale);
  if (!z) return nullptr;
  Value* sum;
  if (p->op_type() == "GlobalAveragePool") {
    std::vector<int64_t> axes;
    for (size_t a = 2; a < dims->size(); ++a) axes.push_back(static_cast<int64_t>(a));
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
    Value* avg = b.Op("AveragePool", {x->v}, name + "_avg", type, p->attributes());
    Value* area = b.ChannelConst(name + "_area", {static_cast<float>(PoolArea(*p))}, 1);
    Value* scaled = b.Op("Mul", {avg, area}, name + "_window_sum", type);
    // The float average times A is the integer window sum up to rounding.
    sum = b.Op("Round", {scaled}, name + "_sum", type);
  }
  return b.Oss(sum, z->oss, model_.DomainRange(out.is_unsigned), name + "_requant", type);
}

Value* Lowering::LowerElementwise(IntegerBuilder& b, Node* p, const IntValue& out,
                                  const Requant& r) {
  std::optional<IntValue> x = IntOf(*p, p->input(0));
  if (!x) return nullptr;
  const std::string& name = NameOf(*p);
  const TensorType& type = p->output(0)->type();
  Value* y;
  if (p->op_type() == "Clip") {
    IntValue in_domain{nullptr, x->scale, x->is_unsigned};
    ClipRange c = FusedClip(p, in_domain);
    y = b.Clip(x->v, static_cast<double>(c.lo), static_cast<double>(c.hi), name + "_int", type);
  } else {
    std::vector<Value*> ins(p->inputs().begin(), p->inputs().end());
    ins[0] = x->v;
    y = b.Op(p->op_type(), ins, name + "_int", type, p->attributes());
  }
  IntValue yv{y, x->scale, x->is_unsigned};
  return Rescale(b, *p, yv, out, r, name + "_requant", type);
}

Value* Lowering::LowerFloatOp(IntegerBuilder& b, Node* p, const IntValue& out, const Requant& r) {
  const std::string& name = NameOf(*p);
  std::vector<Value*> ins(p->inputs().begin(), p->inputs().end());
  for (Value*& in : ins) {
    auto it = in ? ints_.find(in) : ints_.end();
    if (it == ints_.end()) continue;
    in = b.Op("Mul", {it->second.v, b.Scalar(in->name() + "_dequant_scale", it->second.scale)},
              in->name() + "_real", in->type());
  }
  auto z = Realize(*p, r, out.scale);
  if (!z) return nullptr;
  Value* y = b.Op(p->op_type(), ins, name + "_float", p->output(0)->type(), p->attributes());
  y->producer()->set_float_op(true);  // derived from a float op: stays float
  return b.Oss(y, z->oss, model_.DomainRange(out.is_unsigned), name + "_requant",
               p->output(0)->type());
}

Value* Lowering::LowerConcat(IntegerBuilder& b, Node* p, const IntValue& out,
                             const std::vector<Requant>& r) {
  const std::string& name = NameOf(*p);
  std::vector<Value*> ins;
  for (int i = 0; i < p->num_inputs(); ++i) {
    std::optional<IntValue> x = IntOf(*p, p->input(i));
    if (!x) return nullptr;
    Value* v = Rescale(b, *p, *x, out, r[i], absl::StrCat(name, "_in", i), p->input(i)->type());
    if (!v) return nullptr;
    ins.push_back(v);
  }
  return b.Op("Concat", ins, name + "_int", p->output(0)->type(), p->attributes());
}

// Integer product at scale s_a * s_b; a constant factor becomes integers on
// the legality model's grid (int8 range, power-of-two scale) first.
Value* Lowering::LowerMul(IntegerBuilder& b, Node* p, const IntValue& out, const Requant& r) {
  const std::string& name = NameOf(*p);
  const TensorType& type = p->output(0)->type();
  std::vector<Value*> ins;
  for (int i = 0; i < 2; ++i) {
    Value* in = p->input(i);
    if (in && in->is_initializer() && in->type().dtype == DType::kFloat32) {
      auto f = model_.QuantizeFactor(in->initializer());
      if (!f.ok()) {
        Fail(*p, std::string(f.status().message()));
        return nullptr;
      }
      ins.push_back(g_.AddInitializer(absl::StrCat(name, "_factor", i, "_int"), f->ints));
      continue;
    }
    std::optional<IntValue> x = IntOf(*p, in);
    if (!x) return nullptr;
    ins.push_back(x->v);
  }
  auto z = Realize(*p, r, out.scale);
  if (!z) return nullptr;
  Value* prod = b.Op("Mul", ins, name + "_product", type);
  return b.Oss(prod, z->oss, model_.DomainRange(out.is_unsigned), name + "_requant", type);
}

}  // namespace quantc::lowering
