// grow_float_regions: a gate the user keeps in float (--float-ops=Sigmoid or
// HardSigmoid) takes the Muls it feeds into its float region. Opset-13
// exports spell HardSwish as x * HardSigmoid(x), SiLU as x * Sigmoid(x),
// and squeeze-excitation as x * HardSigmoid(fc(...)); with the Mul in float
// the region is the whole activation (or gating), so its output re-enters
// the integer domain at the scale of x, not as a [0, 1] gate at 2^-8 (the
// finest scale TINPU's float-op requantization cannot realize: legality.h).
//
//   Before:  %g = HardSigmoid(%x) [float];  %y = Mul(%x, %g)
//   After:   %g = HardSigmoid(%x) [float];  %y = Mul(%x, %g) [float]
//
// Math: nothing changes numerically before quantization; afterwards the
// product is computed from the dequantized x and the float gate and
// quantized once, instead of quantizing the gate and multiplying integers.
// Only Mul users with two inputs join; a gate's other users still read its
// (requantized) output. Marks are only added.
#include "passes/grow_float_regions.h"

namespace quantc {

bool IsGateActivation(const std::string& op_type) {
  return op_type == "Sigmoid" || op_type == "HardSigmoid";
}

absl::StatusOr<bool> GrowFloatRegionsPass::Run(Graph& graph) {
  bool changed = false;
  for (Node* n : graph.nodes()) {
    if (!n->float_op() || !n->domain().empty() || !IsGateActivation(n->op_type())) continue;
    for (const Use& u : n->output(0)->uses()) {
      Node* mul = u.user;
      if (mul->float_op() || mul->op_type() != "Mul" || !mul->domain().empty() ||
          mul->num_inputs() != 2) {
        continue;
      }
      mul->set_float_op(true);
      changed = true;
    }
  }
  return changed;
}

}  // namespace quantc
