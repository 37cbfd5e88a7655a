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
//   up. Gemm becomes MatMul with the weight stored [in, out]. A fused
//   Relu/Clip narrows the OSS clip instead of adding nodes.
// * Add: inputs are brought to a common scale (the finer one, or as fine as
//   float32 allows) by exact power-of-two Muls, added, then requantized (a
//   correct rescale, unlike TI's add rules).
// * Concat: each input requantized to the output scale (a no-op when equal,
//   an exact multiply by 2^k when finer), then concatenated.
// * Mul: integers multiplied (activation x activation, or x an int8
//   constant), requantized from scale s_a * s_b.
// * GlobalAveragePool: ReduceSum, then OSS with w = s_in / (H W s_out) and
//   no zero-point term (TI adds the input zero point: pitfall 5).
// * AveragePool: AveragePool * A, Round (exact window sum), OSS with 1/A; the
//   rounding term is counted once (TI counts it twice: pitfall 6).
// * MaxPool, Flatten, Reshape, Transpose, Relu...: the op on integers, plus an
//   OSS (or an exact multiply by 2^k) when the output scale differs.
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
// Which patterns exist (tinpu_requant.h) and every multiplier, shift, offset
// and clip range (backends/tinpu/legality.h) are shared with legalize_tinpu;
// a requantization the legality model rejects is an error naming it (run
// legalize_tinpu first). Anything else is Unimplemented, and every such node
// is listed at once. The QDQ nodes become dead; remove_dead_nodes deletes
// them.
#include "passes/lower_to_integer.h"

#include "passes/lowering.h"

namespace quantc {
namespace lowering {

void Lowering::LowerQuantize(Node* q) {
  std::optional<IntValue> out = OutputOf(*q);
  if (!out) return;
  TinpuMatch m = MatchTinpu(g_, q);
  if (m.op) visited_.insert(m.op);
  if (m.activation) visited_.insert(m.activation);
  auto r = RequantsOf(m, model_, o_.input_prequantized);
  Value* result = nullptr;
  if (!r.ok()) {
    Fail(m.op ? *m.op : *q, r.status().message());
  } else {
    IntegerBuilder b(g_, q);
    const Requant& first = r->empty() ? Requant{} : (*r)[0];
    switch (m.pattern) {
      case TinpuPattern::kInput: result = LowerInput(b, q, q->input(0), *out, *r); break;
      case TinpuPattern::kInputBatchNorm: result = LowerInputBatchNorm(b, m.op, *out, first); break;
      case TinpuPattern::kFloatOp: result = LowerFloatOp(b, m.op, *out, first); break;
      case TinpuPattern::kWeighted: result = LowerWeighted(b, m.op, m.activation, *out, first); break;
      case TinpuPattern::kAdd: result = LowerAdd(b, m.op, m.activation, *out, first); break;
      case TinpuPattern::kConstantAdd:
        result = LowerConstantAdd(b, m.op, m.activation, *out, first);
        break;
      case TinpuPattern::kMul: result = LowerMul(b, m.op, *out, first); break;
      case TinpuPattern::kPool: result = LowerPool(b, m.op, *out, first); break;
      case TinpuPattern::kConcat: result = LowerConcat(b, m.op, *out, *r); break;
      case TinpuPattern::kElementwise: result = LowerElementwise(b, m.op, *out, first); break;
      case TinpuPattern::kUnsupported: break;  // RequantsOf reported it
    }
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

Value* Lowering::LowerInput(IntegerBuilder& b, Node* q, Value* x, const IntValue& out,
                            const std::vector<Requant>& r) {
  if (r.empty()) return x;  // the application feeds integers
  // round(x / s) as floor(x / s + 1/2) (§4.14).
  auto z = Realize(*q, r[0], out.scale);
  return z ? Emit(b, x, *z, model_.DomainRange(out.is_unsigned), x->name() + "_int", x->type())
           : nullptr;
}

// BatchNormalization on the float model input (tinpu-format.md §4.5):
// BN(x) = g (x + off0), quantized to s_out in one block (RequantsOf has g
// and off0; the legality model the 12-bit multiplier and fractional offset).
Value* Lowering::LowerInputBatchNorm(IntegerBuilder& b, Node* bn, const IntValue& out,
                                     const Requant& r) {
  auto z = Realize(*bn, r, out.scale);
  const std::string& name = bn->name().empty() ? bn->output(0)->name() : bn->name();
  return z ? Emit(b, bn->input(0), *z, model_.DomainRange(out.is_unsigned), name + "_int",
                  bn->output(0)->type())
           : nullptr;
}

ClipRange Lowering::FusedClip(const Node* act, const IntValue& out) {
  return FusedActivationClip(act, out.scale, model_.DomainRange(out.is_unsigned));
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
        Fail(*u.user, "has no TINPU integer form");
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
