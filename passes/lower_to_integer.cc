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
// * Conv/Gemm/MatMul/ConvTranspose: acc = sum x_int * w_int; offset = qbias
//   + round term s_out / (2 s_acc), so floor((acc + offset) * w) rounds half
//   up. A bias too large for the offset field coarsens its channel's weight
//   scale by a power of two (logged) instead of failing. Gemm
//   becomes MatMul with the weight stored [in, out]. A fused Relu/Clip
//   narrows the OSS clip instead of adding nodes.
// * Add: inputs are brought to the finer input scale by exact power-of-two
//   Muls, added, then requantized (a correct rescale, unlike TI's add rules).
// * Concat: each input requantized to the output scale (a no-op when equal),
//   then concatenated.
// * Mul: integers multiplied (activation x activation, or x an int8
//   constant), requantized from scale s_a * s_b.
// * GlobalAveragePool: ReduceSum, then OSS with w = s_in / (H W s_out) and
//   no zero-point term (TI adds the input zero point: pitfall 5).
// * AveragePool: AveragePool * A, Round (exact window sum), OSS with 1/A; the
//   rounding term is counted once (TI counts it twice: pitfall 6).
// * MaxPool, Flatten, Reshape, Transpose, Relu...: the op on integers, plus an
//   OSS when the output scale differs.
// * Add of an activation and a constant (a Linear's bias on a 3-D tensor):
//   the constant joins the integers at the activation's scale.
// * Graph input: an input-quantize OSS (w = 1/s, 8-bit multiplier,
//   fractional offset), unless the input is declared pre-quantized; a
//   BatchNormalization on the input folds into that block (§4.5: 12-bit
//   multiplier, w = g / s_out, offset -mean + beta / g).
// * Graph output: the integers (output_int) or a final Mul by the scale.
// * float ops (Node::float_op): a Mul by the scale dequantizes their inputs, an
//   input-quantize OSS requantizes their output (explicit CPU fallback); a
//   float op producing a model output stays float to the end.
// Anything else is Unimplemented, and every such node is listed at once.
// The QDQ nodes become dead; remove_dead_nodes deletes them.
#include "passes/lower_to_integer.h"

#include "passes/lowering.h"

namespace quantc {
namespace lowering {

void Lowering::LowerQuantize(Node* q) {
  std::optional<IntValue> out = OutputOf(*q);
  if (!out) return;
  Value* x = q->input(0);
  Node* p = x->producer();
  if (p) {
    visited_.insert(p);
    if (RoleOf(*p) == QuantRole::kActivation && FusesIntoProducer(g_, *p)) {
      visited_.insert(p->input(0)->producer());
    }
  }
  IntegerBuilder b(g_, q);
  Value* result = nullptr;
  if (!p) {
    result = LowerInput(b, q, x, *out);
  } else if (p->op_type() == "BatchNormalization" && !p->input(0)->producer() &&
             !p->float_op()) {
    result = LowerInputBatchNorm(b, p, *out);
  } else if (p->float_op()) {
    result = LowerFloatOp(b, p, *out);
  } else if (RoleOf(*p) == QuantRole::kActivation && FusesIntoProducer(g_, *p)) {
    Node* m = p->input(0)->producer();
    result = m->op_type() == "Add" ? LowerAdd(b, m, p, *out) : LowerWeighted(b, m, p, *out);
  } else if (RoleOf(*p) == QuantRole::kWeighted) {
    result = LowerWeighted(b, p, nullptr, *out);
  } else if (p->op_type() == "Concat") {
    result = LowerConcat(b, p, *out);
  } else if (p->op_type() == "Mul") {
    result = LowerMul(b, p, *out);
  } else if (p->op_type() == "Add") {
    result = LowerAdd(b, p, nullptr, *out);
  } else if (p->op_type() == "GlobalAveragePool" || p->op_type() == "AveragePool") {
    result = LowerPool(b, p, *out);
  } else if (RoleOf(*p) == QuantRole::kValuePreserving || RoleOf(*p) == QuantRole::kActivation) {
    result = LowerElementwise(b, p, *out);
  } else {
    Fail(*p, "has no TINPU integer form; keep it in float with --float-ops");
  }
  for (const Use& u : q->output(0)->uses()) {
    if (u.user->op_type() != "DequantizeLinear") continue;
    if (result) {
      out->v = result;
      ints_[u.user->output(0)] = *out;
    } else {
      failed_.insert(u.user->output(0));
    }
  }
}

Value* Lowering::LowerInput(IntegerBuilder& b, Node* q, Value* x, const IntValue& out) {
  if (o_.input_prequantized) return x;
  // round(x / s) as floor(x / s + 1/2), with an 8-bit multiplier (§4.14).
  auto p = Oss(*q, {1.0 / out.scale}, {0.0}, nullptr, 8, false);
  return p ? b.Oss(x, *p, RangeOf(out.is_unsigned), x->name() + "_int", x->type()) : nullptr;
}

// BatchNormalization on the float model input (tinpu-format.md §4.5):
// BN(x) = g (x + off0) with g = gamma / sqrt(var + eps) and
// off0 = -mean + beta / g, quantized to s_out in one OSS block with a 12-bit
// multiplier and a fractional offset (the input is real-valued).
Value* Lowering::LowerInputBatchNorm(IntegerBuilder& b, Node* bn, const IntValue& out) {
  for (int i = 1; i < 5; ++i) {
    if (!bn->input(i) || !bn->input(i)->is_initializer()) {
      Fail(*bn, "input BatchNormalization needs constant parameters");
      return nullptr;
    }
  }
  const Tensor& gamma = bn->input(1)->initializer();
  const Tensor& beta = bn->input(2)->initializer();
  const Tensor& mean = bn->input(3)->initializer();
  const Tensor& var = bn->input(4)->initializer();
  double eps = bn->GetFloat("epsilon", 1e-5f);
  int64_t c = gamma.num_elements();
  std::vector<double> w(c), off0(c), ro(c);
  for (int64_t i = 0; i < c; ++i) {
    double g = gamma.GetAsDouble(i) / std::sqrt(var.GetAsDouble(i) + eps);
    if (g == 0 || !std::isfinite(g)) {
      Fail(*bn, absl::StrCat("channel ", i, " has scale ", g, "; a constant channel has no OSS form"));
      return nullptr;
    }
    w[i] = g / out.scale;
    off0[i] = -mean.GetAsDouble(i) + beta.GetAsDouble(i) / g;
    ro[i] = out.scale / (2 * g);
  }
  auto p = Oss(*bn, w, off0, &ro, 12, false);
  const std::string& name = bn->name().empty() ? bn->output(0)->name() : bn->name();
  return p ? b.Oss(bn->input(0), *p, RangeOf(out.is_unsigned), name + "_int", bn->output(0)->type())
           : nullptr;
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
    double lo = RoundHalfEven(bound(1, "min", -INFINITY) / out.scale);
    double hi = RoundHalfEven(bound(2, "max", INFINITY) / out.scale);
    if (std::isfinite(lo)) r.lo = std::max<int64_t>(r.lo, static_cast<int64_t>(lo));
    if (std::isfinite(hi)) r.hi = std::min<int64_t>(r.hi, static_cast<int64_t>(hi));
  }
  return r;
}

// Nodes reading a quantized tensor that no QuantizeLinear follows (e.g. an
// ArgMax, or a Shape) were never visited by LowerQuantize: unless kept in
// float they have no integer form, and are listed with everything else.
void Lowering::CheckUnloweredReaders() {
  // Only nodes some graph output still depends on matter; earlier passes may
  // have left dead ones for remove_dead_nodes.
  absl::flat_hash_set<const Node*> live;
  std::vector<const Node*> stack;
  for (const Value* v : g_.outputs()) {
    if (v->producer()) stack.push_back(v->producer());
  }
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    if (!live.insert(n).second) continue;
    for (const Value* in : n->inputs()) {
      if (in && in->producer()) stack.push_back(in->producer());
    }
  }
  for (Node* n : g_.nodes()) {
    if (n->op_type() != "DequantizeLinear" || !ints_.contains(n->output(0))) continue;
    for (const Use& u : n->output(0)->uses()) {
      if (live.contains(u.user) && !visited_.contains(u.user) &&
          !u.user->float_op()) {
        Fail(*u.user, "has no TINPU integer form; keep it in float with --float-ops");
      }
    }
  }
}

void Lowering::LowerOutputs() {
  // Float ops with no quantized consumer (e.g. a Sigmoid producing the model
  // output) still read DequantizeLinear outputs: dequantize in the graph.
  for (Node* n : g_.nodes().ToVector()) {  // node order: deterministic output
    auto it = n->op_type() == "DequantizeLinear" ? ints_.find(n->output(0)) : ints_.end();
    if (it == ints_.end()) continue;
    Value* f = n->output(0);
    bool float_reader = false;
    for (const Use& u : f->uses()) float_reader = float_reader || u.user->float_op();
    if (!float_reader) continue;
    IntegerBuilder b(g_, n);  // the integers exist before this DequantizeLinear
    Value* real = b.Op("Mul", {it->second.v, b.Scalar(f->name() + "_dequant_scale", it->second.scale)},
                       f->name() + "_real", f->type());
    std::vector<Use> uses = f->uses();
    for (const Use& u : uses) {
      if (u.user->float_op()) u.user->SetInput(u.index, real);
    }
  }
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

}  // namespace lowering

absl::StatusOr<bool> LowerToIntegerPass::Run(Graph& graph) {
  return lowering::Lowering(graph, options_).Run();
}

}  // namespace quantc
