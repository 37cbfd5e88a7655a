#ifndef QUANTC_PASSES_IMPORT_NORMALIZE_QLINEAR_OPS_H_
#define QUANTC_PASSES_IMPORT_NORMALIZE_QLINEAR_OPS_H_

#include "passes/pass.h"

namespace quantc {

/// Rewrites ONNX Runtime's QOperator form (QLinearConv, QLinearMatMul and
/// the com.microsoft QLinearAdd, QLinearGlobalAveragePool, ...), and
/// value-moving ops applied to quantized integers, into DequantizeLinear ->
/// float op -> QuantizeLinear. See the .cc banner.
class NormalizeQLinearOpsPass : public Pass {
 public:
  absl::string_view name() const override { return "normalize_qlinear_ops"; }
  absl::StatusOr<bool> Run(Graph& graph) override;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_IMPORT_NORMALIZE_QLINEAR_OPS_H_
