// fold_qdq_casts: PyTorch 1.13's exporter keeps fake-quant zero points as
// int32 parameters and casts them in the graph; some exporters also wrap Q/DQ
// in Casts to the type the tensor already has.
//
//   Before:  %zp8 = Cast(%zp: i32[1] [300]) {to=uint8}
//            %q = QuantizeLinear(%x, %s, %zp8)
//   After:   error: node 'q' (QuantizeLinear): zero point 300 (Cast of 'zp' to uint8)
//            is outside uint8's range [0, 255]
//   Before:  %zp8 = Cast(Identity(%zp: i32[1] [128])) {to=uint8};  QuantizeLinear(%x, %s, %zp8)
//   After:   QuantizeLinear(%x, %s, %zp_uint8: u8[1] [128])
//   Before:  %c = Cast(%y_dq: f32) {to=float};  Conv(%c, ...)
//   After:   Conv(%y_dq, ...)
//
// Why here and not in fold_constants: a Cast wraps out-of-range integers
// (ONNX leaves the result undefined), so after folding a zero point of 300
// would silently read as 44. Checking the value the exporter meant, before
// it is folded, turns that into an error naming the Q/DQ node. Scales are
// cast to float32 exactly as Cast would (double -> float rounding). The
// Cast (and any Identity before it) becomes dead for remove_dead_nodes.
#include "passes/import/fold_qdq_casts.h"

#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "quant/qparams.h"

namespace quantc {
namespace {

bool IsQdq(const Node& n) {
  return n.domain().empty() &&
         (n.op_type() == "QuantizeLinear" || n.op_type() == "DequantizeLinear");
}

// The initializer behind `v`, looking through Identity nodes.
const Value* ConstantBehind(const Value* v) {
  while (v && !v->is_initializer()) {
    const Node* p = v->producer();
    if (!p || p->op_type() != "Identity" || !p->domain().empty()) return nullptr;
    v = p->input(0);
  }
  return v;
}

struct CastMatch {
  int input;              // 1 (scale) or 2 (zero point)
  const Value* constant;  // what the Cast reads
  DType to;
};

std::optional<CastMatch> MatchConstantCast(const Node& n, int input) {
  const Value* v = n.input(input);
  const Node* cast = v ? v->producer() : nullptr;
  if (!cast || cast->op_type() != "Cast" || !cast->domain().empty()) return std::nullopt;
  const Value* c = ConstantBehind(cast->input(0));
  if (!c) return std::nullopt;
  return CastMatch{input, c, static_cast<DType>(cast->GetInt("to", 0))};
}

absl::StatusOr<Tensor> CastZeroPoint(const Node& n, const CastMatch& m) {
  const Tensor& t = m.constant->initializer();
  if (m.to != DType::kInt8 && m.to != DType::kUInt8 && m.to != DType::kInt32) {
    return absl::UnimplementedError(
        absl::StrCat(n.Describe(), ": zero point is cast to ", DTypeName(m.to),
                     ", which is not a quantized type (int8, uint8, int32)"));
  }
  const int bits = m.to == DType::kInt32 ? 32 : 8;
  const IntRange r = RangeFor(m.to, bits, /*narrow=*/false);
  Tensor out(m.to, t.dims());
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    const double v = t.GetAsDouble(i);
    if (v != static_cast<double>(static_cast<int64_t>(v)) || v < static_cast<double>(r.qmin) ||
        v > static_cast<double>(r.qmax)) {
      return absl::InvalidArgumentError(
          absl::StrCat(n.Describe(), ": zero point ", v, " (Cast of '", m.constant->name(), "' to ",
                       DTypeName(m.to), ") is outside ", DTypeName(m.to), "'s range [", r.qmin,
                       ", ", r.qmax, "]"));
    }
    const int64_t q = static_cast<int64_t>(v);
    if (m.to == DType::kInt8) out.mutable_data<int8_t>()[i] = static_cast<int8_t>(q);
    if (m.to == DType::kUInt8) out.mutable_data<uint8_t>()[i] = static_cast<uint8_t>(q);
    if (m.to == DType::kInt32) out.mutable_data<int32_t>()[i] = static_cast<int32_t>(q);
  }
  return out;
}

absl::StatusOr<Tensor> CastScale(const Node& n, const CastMatch& m) {
  const Tensor& t = m.constant->initializer();
  if (m.to != DType::kFloat32 || !IsNumeric(t.dtype())) {
    return absl::InvalidArgumentError(
        absl::StrCat(n.Describe(), ": scale is cast to ", DTypeName(m.to), ", not float32"));
  }
  Tensor out(DType::kFloat32, t.dims());
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    out.mutable_data<float>()[i] = static_cast<float>(t.GetAsDouble(i));
  }
  return out;
}

// A Cast whose output type equals its input's: an identity.
bool IsNoOpCast(const Node& n) {
  const Value* in = n.input(0);
  return n.op_type() == "Cast" && n.domain().empty() && in &&
         in->type().dtype != DType::kUndefined &&
         static_cast<DType>(n.GetInt("to", 0)) == in->type().dtype;
}

bool TouchesQdq(const Node& cast) {
  const Node* p = cast.input(0)->producer();
  if (p && IsQdq(*p)) return true;
  for (const Use& u : cast.output(0)->uses()) {
    if (IsQdq(*u.user)) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<bool> FoldQdqCastsPass::Run(Graph& graph) {
  bool changed = false;
  // One folded constant per Cast, so a Q and its DQ keep sharing it.
  absl::flat_hash_map<const Value*, Value*> folded;
  for (Node* n : graph.nodes().ToVector()) {
    if (IsNoOpCast(*n) && TouchesQdq(*n) && !graph.IsGraphOutput(n->output(0))) {
      graph.ReplaceAllUsesWith(n->output(0), n->input(0));
      changed = true;
      continue;
    }
    if (!IsQdq(*n)) continue;
    for (int input : {1, 2}) {
      std::optional<CastMatch> m = MatchConstantCast(*n, input);
      if (!m) continue;
      absl::StatusOr<Tensor> t = input == 2 ? CastZeroPoint(*n, *m) : CastScale(*n, *m);
      if (!t.ok()) return t.status();
      Value*& c = folded[n->input(input)];
      if (!c)
        c = graph.AddInitializer(absl::StrCat(m->constant->name(), "_", DTypeName(m->to)), *t);
      n->SetInput(input, c);
      changed = true;
    }
  }
  return changed;
}

}  // namespace quantc
