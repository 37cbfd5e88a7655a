// Internal to lower_to_integer: the state of one lowering run, shared by
// lower_to_integer.cc (dispatch, graph input/output) and
// lower_to_integer_layers.cc (one method per layer pattern).
#ifndef QUANTC_PASSES_LOWERING_H_
#define QUANTC_PASSES_LOWERING_H_

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "backends/tinpu/legality.h"
#include "passes/integer_builder.h"
#include "passes/lower_to_integer.h"
#include "passes/quant_roles.h"
#include "passes/tinpu_requant.h"
#include "quant/numeric.h"
#include "quant/qparams.h"

namespace quantc::lowering {

using tinpu::ClipRange;
using tinpu::Requant;

// A quantized activation in TINPU's integer domain.
struct IntValue {
  Value* v;          // float32 tensor of integers q - zp
  float scale;       // real = v * scale
  bool is_unsigned;  // range [0, 2^b - 1] rather than [-2^(b-1), 2^(b-1) - 1]
};

class Lowering {
 public:
  Lowering(Graph& g, const LowerToIntegerOptions& o)
      : g_(g), o_(o), model_(tinpu::BitWidths{o.weight_bits}) {}

  absl::StatusOr<bool> Run() {
    bool changed = false;
    for (Node* n : g_.nodes().ToVector()) {
      if (n->op_type() != "QuantizeLinear" || !n->output(0)->quant() || n->output(0)->uses().empty()) {
        continue;
      }
      LowerQuantize(n);
      changed = true;
    }
    CheckUnloweredReaders();
    if (errors_.empty()) LowerOutputs();
    if (!errors_.empty()) {
      if (o_.problems) *o_.problems = errors_;
      std::vector<std::string> lines;
      for (const LoweringProblem& p : errors_) lines.push_back(absl::StrCat(p.label, ": ", p.why));
      return absl::UnimplementedError(absl::StrCat(
          "cannot lower to TINPU integers: ", absl::StrJoin(lines, "; "),
          " (a node without an integer form can stay in float: --float-ops)"));
    }
    return changed;
  }

 private:
  void Fail(const Node& n, absl::string_view why) {
    // Messages from shared helpers name the node already.
    absl::ConsumePrefix(&why, absl::StrCat(n.Describe(), ": "));
    errors_.push_back({n.name(), n.op_type(), n.Describe(), std::string(why)});
  }

  // The output domain of a QuantizeLinear, or nullopt (error recorded).
  std::optional<IntValue> OutputOf(const Node& q) {
    const QuantParams& p = *q.output(0)->quant();
    std::optional<bool> is_unsigned =
        p.scale.size() == 1 ? model_.UnsignedDomain(p.storage, p.zero_point[0]) : std::nullopt;
    if (!is_unsigned) {
      Fail(q, "activation must be per-tensor and zero-point free (int8 zero point 0 or -128, "
              "uint8 128 or 0); run legalize_tinpu");
      return std::nullopt;
    }
    if (!IsPowerOfTwo(p.scale[0]) && model_.WeightsPowerOfTwo()) {
      Fail(q, absl::StrCat("scale ", p.scale[0], " is not a power of two; run legalize_tinpu"));
      return std::nullopt;
    }
    return IntValue{nullptr, p.scale[0], *is_unsigned};
  }

  // The integer form of a dequantized activation (a DequantizeLinear output).
  // Reading a tensor whose own lowering failed adds no second error.
  std::optional<IntValue> IntOf(const Node& user, Value* v) {
    auto it = ints_.find(v);
    if (it != ints_.end()) return it->second;
    if (!failed_.contains(v)) {
      Fail(user, absl::StrCat("input '", v ? v->name() : "", "' is not a quantized activation"));
    }
    return std::nullopt;
  }

  // The legality model's constants for `r` at `scale` (error recorded).
  std::optional<tinpu::Realization> Realize(const Node& n, const Requant& r, double scale) {
    auto z = model_.Realize(r, scale);
    if (!z.ok()) {
      Fail(n, std::string(z.status().message()));
      return std::nullopt;
    }
    return *std::move(z);
  }

  // Emits a realization on x: an exact multiply by 2^align and a clip, or an
  // OSS block ending in `clip`.
  Value* Emit(IntegerBuilder& b, Value* x, const tinpu::Realization& z, ClipRange clip,
              const std::string& name, const TensorType& type) {
    if (z.align == 0) return b.Oss(x, z.oss, clip, name, type);
    Value* up = b.Op("Mul", {x, b.ChannelConst(name + "_align", {std::ldexp(1.0f, z.align)}, 1)},
                     name + "_aligned", type);
    return b.Clip(up, static_cast<double>(clip.lo), static_cast<double>(clip.hi), name + "_clip",
                  type);
  }

  // Requantizes integers at x's scale to `to` (a no-op when equal).
  Value* Rescale(IntegerBuilder& b, const Node& n, const IntValue& x, const IntValue& to,
                 const Requant& r, const std::string& name, const TensorType& type) {
    if (x.scale == to.scale && x.is_unsigned == to.is_unsigned) return x.v;
    auto z = Realize(n, r, to.scale);
    return z ? Emit(b, x.v, *z, model_.DomainRange(to.is_unsigned), name, type) : nullptr;
  }

  void LowerQuantize(Node* q);
  Value* LowerInput(IntegerBuilder& b, Node* q, Value* x, const IntValue& out,
                    const std::vector<Requant>& r);
  Value* LowerInputBatchNorm(IntegerBuilder& b, Node* bn, const IntValue& out, const Requant& r);
  Value* LowerWeighted(IntegerBuilder& b, Node* m, Node* act, const IntValue& out,
                       const Requant& r);
  Value* LowerAdd(IntegerBuilder& b, Node* m, Node* act, const IntValue& out, const Requant& r);
  Value* LowerConstantAdd(IntegerBuilder& b, Node* m, Node* act, const IntValue& out,
                          const Requant& r);
  Value* LowerPool(IntegerBuilder& b, Node* p, const IntValue& out, const Requant& r);
  Value* LowerElementwise(IntegerBuilder& b, Node* p, const IntValue& out, const Requant& r);
  Value* LowerConcat(IntegerBuilder& b, Node* p, const IntValue& out,
                     const std::vector<Requant>& r);
  Value* LowerMul(IntegerBuilder& b, Node* p, const IntValue& out, const Requant& r);
  Value* LowerFloatOp(IntegerBuilder& b, Node* p, const IntValue& out, const Requant& r);
  ClipRange FusedClip(const Node* act, const IntValue& out);
  void LowerOutputs();
  void CheckUnloweredReaders();

  Graph& g_;
  const LowerToIntegerOptions& o_;
  tinpu::Legality model_;
  absl::flat_hash_map<const Value*, IntValue> ints_;  // DequantizeLinear output -> integers
  absl::flat_hash_set<const Value*> failed_;          // DequantizeLinear outputs not lowered
  absl::flat_hash_set<const Node*> visited_;          // nodes LowerQuantize rewrote (or tried)
  std::vector<LoweringProblem> errors_;
};

}  // namespace quantc::lowering

#endif  // QUANTC_PASSES_LOWERING_H_
