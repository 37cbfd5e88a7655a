#ifndef QUANTC_PASSES_IMPORT_NORMALIZE_INTEGER_OPS_H_
#define QUANTC_PASSES_IMPORT_NORMALIZE_INTEGER_OPS_H_

#include "passes/pass.h"

namespace quantc {

/// Rewrites MatMulInteger/ConvInteger whose int32 result is dequantized
/// (DequantizeLinear, or Cast + Mul by a constant scale) into MatMul/Conv on
/// DequantizeLinear'd operands; a constant bias added to the accumulator or
/// to its dequantized value becomes the layer's bias. See the .cc banner.
class NormalizeIntegerOpsPass : public Pass {
 public:
  absl::string_view name() const override { return "normalize_integer_ops"; }
  absl::StatusOr<bool> Run(Graph& graph) override;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_IMPORT_NORMALIZE_INTEGER_OPS_H_
