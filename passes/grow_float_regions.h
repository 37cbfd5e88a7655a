#ifndef QUANTC_PASSES_GROW_FLOAT_REGIONS_H_
#define QUANTC_PASSES_GROW_FLOAT_REGIONS_H_

#include "passes/pass.h"

namespace quantc {

/// Extends each float gate (a Sigmoid or HardSigmoid the user keeps in
/// float) to the Muls it gates, so HardSwish, SiLU and squeeze-excitation
/// products are one float region. See the .cc banner.
class GrowFloatRegionsPass : public Pass {
 public:
  absl::string_view name() const override { return "grow_float_regions"; }
  absl::StatusOr<bool> Run(Graph& graph) override;
};

/// Whether `op_type` is a gate: an activation into [0, 1] whose output
/// scales another tensor through a Mul (Sigmoid, HardSigmoid).
bool IsGateActivation(const std::string& op_type);

}  // namespace quantc

#endif  // QUANTC_PASSES_GROW_FLOAT_REGIONS_H_
