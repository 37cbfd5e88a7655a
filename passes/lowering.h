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
#include "backends/tinpu/oss.h"
#include "backends/tinpu/target.h"
#include "passes/insert_observers.h"
#include "passes/integer_builder.h"
#include "passes/lower_to_integer.h"
#include "passes/quant_roles.h"
#include "quant/qparams.h"

namespace quantc::lowering {

using tinpu::ClipRange;
using tinpu::OssParams;

// A quantized activation in TINPU's integer domain.
struct IntValue {
  Value* v;          // float32 tensor of integers q - zp
  float scale;       // real = v * scale
  bool is_unsigned;  // range [0, 255] rather than [-128, 127]
};

inline ClipRange RangeOf(bool is_unsigned) {
  return is_unsigned ? tinpu::UnsignedRange(8) : tinpu::SignedRange(8);
}

// Multiplier width for a rescale by w: a plain shift (B = 1, multiplier 1)
// when w is 2^-k, else an 8-bit multiplier (pool areas such as 9, or w > 1).
inline int MultiplierBits(double w) { return IsPowerOfTwo(w) && w <= 1 ? 1 : 8; }

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
    CheckUnloweredReaders();
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
  // Reading a tensor whose own lowering failed adds no second error.
  std::optional<IntValue> IntOf(const Node& user, Value* v) {
    auto it = ints_.find(v);
    if (it != ints_.end()) return it->second;
    if (!failed_.contains(v)) {
      Fail(user, absl::StrCat("input '", v ? v->name() : "", "' is not a quantized activation"));
    }
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
  Value* LowerInputBatchNorm(IntegerBuilder& b, Node* bn, const IntValue& out);
  Value* LowerWeighted(IntegerBuilder& b, Node* m, Node* act, const IntValue& out);
  void FitBiasesToOffsetField(const Node& m, const Value& bq, const IntValue& x,
                              std::vector<double>& sws, Tensor& w);
  std::optional<OssParams> WeightedOss(const Node& m, const Tensor& wq, const IntValue& x,
                                       const std::vector<double>& ratio,
                                       const std::vector<double>& off0,
                                       const std::vector<double>& ro);
  Value* LowerAdd(IntegerBuilder& b, Node* m, Node* act, const IntValue& out);
  Value* LowerConstantAdd(IntegerBuilder& b, Node* m, Node* act, const IntValue& out);
  Value* LowerPool(IntegerBuilder& b, Node* p, const IntValue& out);
  Value* LowerElementwise(IntegerBuilder& b, Node* p, const IntValue& out);
  Value* LowerConcat(IntegerBuilder& b, Node* p, const IntValue& out);
  Value* LowerMul(IntegerBuilder& b, Node* p, const IntValue& out);
  Value* LowerFloatOp(IntegerBuilder& b, Node* p, const IntValue& out);
  ClipRange FusedClip(const Node* act, const IntValue& out);
  void LowerOutputs();
  void CheckUnloweredReaders();

  Graph& g_;
  const LowerToIntegerOptions& o_;
  absl::flat_hash_map<const Value*, IntValue> ints_;  // DequantizeLinear output -> integers
  absl::flat_hash_set<const Value*> failed_;          // DequantizeLinear outputs not lowered
  absl::flat_hash_set<const Node*> visited_;          // nodes LowerQuantize rewrote (or tried)
  std::vector<std::string> errors_;
};

}  // namespace quantc::lowering

#endif  // QUANTC_PASSES_LOWERING_H_
