#ifndef QUANTC_PASSES_IMPORT_FOLD_QAT_BATCH_NORM_H_
#define QUANTC_PASSES_IMPORT_FOLD_QAT_BATCH_NORM_H_

#include "passes/pass.h"

namespace quantc {

/// Folds the per-channel affine ops PyTorch's QAT Conv+BatchNorm exports
/// after a quantized-weight Conv (Div by the BN scale, Add of the conv bias,
/// BatchNormalization) into the weight's per-channel scales and a float
/// bias. See the .cc banner.
class FoldQatBatchNormPass : public Pass {
 public:
  absl::string_view name() const override { return "fold_qat_batch_norm"; }
  absl::StatusOr<bool> Run(Graph& graph) override;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_IMPORT_FOLD_QAT_BATCH_NORM_H_
