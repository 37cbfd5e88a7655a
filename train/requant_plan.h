// How the QAT simulation computes each quantized tensor, so that it equals
// what the emitted model computes (the fidelity contract of quantc train).
//
// Every observer of the calibrated graph becomes a quantized tensor. For the
// generic target the emitted QDQ model quantizes a float result with
// round-half-even (ONNX QuantizeLinear): plain fake quantization. For TINPU,
// lower_to_integer computes each tensor with integer ops and an
// offset-scale-shift block (floor after a folded 1/2, 8-bit multipliers at
// 4-bit weights, a 12-bit input-BN block, Add alignment, per-input Concat
// rescales, ...). The plan records, per observer, the lowering's pattern
// for the tensor, classified by the lowering's own MatchTinpu
// (passes/tinpu_requant.h) on the calibrated graph, where the observer
// stands where the QuantizeLinear will; the simulation asks the TINPU
// legality model (backends/tinpu/legality.h) for the block's constants,
// exactly as the lowering does, and evaluates them (sim_requant.cc).
// tests/train/fidelity_test.sh compares the result with the emitted model
// bit for bit, so a lowering change the simulation does not follow fails
// there.
#ifndef QUANTC_TRAIN_REQUANT_PLAN_H_
#define QUANTC_TRAIN_REQUANT_PLAN_H_

#include <vector>

#include "absl/container/flat_hash_map.h"
#include "ir/graph.h"
#include "passes/tinpu_requant.h"

namespace quantc::train {

enum class Target { kGeneric, kTinpu };

struct ObserverPlan {
  const Node* observer = nullptr;
  /// The observer whose quantization this tensor uses: itself, or for a
  /// value-preserving op on quantized data (inherit=1) the source at the
  /// start of the chain, whose integers pass unchanged.
  const Node* root = nullptr;
  bool inherit = false;
  /// TINPU: the lowering pattern, the node computing the value and a fused
  /// Relu/Clip (MatchTinpu's answer); unused for the generic target.
  TinpuPattern pattern = TinpuPattern::kUnsupported;
  const Node* op = nullptr;
  const Node* act = nullptr;
};

struct RequantPlan {
  std::vector<ObserverPlan> observers;                   ///< in node order
  absl::flat_hash_map<const Node*, size_t> by_observer;  ///< observer -> index
};

/// Classifies every observer of a calibrated graph (insert_observers has
/// run, float ops are marked).
RequantPlan BuildRequantPlan(Graph& g, Target target);

/// The integer domain of a TINPU activation: real = int * scale.
struct IntDomain {
  float scale = 1;
  bool is_unsigned = false;  ///< [0, 2^b - 1] rather than [-2^(b-1), 2^(b-1) - 1]
};

}  // namespace quantc::train

#endif  // QUANTC_TRAIN_REQUANT_PLAN_H_
