#ifndef QUANTC_PASSES_FOLD_BATCH_NORM_H_
#define QUANTC_PASSES_FOLD_BATCH_NORM_H_

#include "passes/pass.h"

namespace quantc {

/// Folds an inference-mode BatchNormalization into the Conv, ConvTranspose
/// or Gemm that feeds it, as new weight and bias initializers. BNs that
/// cannot be folded are left in place. See the .cc banner for the math and
/// the preconditions.
class FoldBatchNormPass : public Pass {
 public:
  absl::string_view name() const override { return "fold_batch_norm"; }
  absl::StatusOr<bool> Run(Graph& graph) override;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_FOLD_BATCH_NORM_H_
