#ifndef QUANTC_PASSES_FOLD_BATCH_NORM_H_
#define QUANTC_PASSES_FOLD_BATCH_NORM_H_

#include <vector>

#include "ir/tensor.h"
#include "passes/pass.h"

namespace quantc {

/// What one fold replaced, for a caller that keeps training the layer as
/// producer + BatchNormalization (quantc train's folded-BN scheme).
struct FoldedBatchNorm {
  Node* folded = nullptr;    ///< the new Conv/ConvTranspose/Gemm node
  Tensor weight;             ///< the producer's weight before the fold
  std::vector<float> bias;   ///< its bias per output channel (Gemm: beta * C); 0 when absent
  std::vector<float> scale, shift, mean, var;  ///< the BN's parameters, per channel
  float epsilon = 1e-5f;
  /// ONNX's convention: running = running * momentum + batch * (1 - momentum).
  float momentum = 0.9f;
};

struct FoldBatchNormOptions {
  /// Receives one record per fold, in node order. May be null.
  std::vector<FoldedBatchNorm>* folded = nullptr;
};

/// Folds an inference-mode BatchNormalization into the Conv, ConvTranspose
/// or Gemm that feeds it, as new weight and bias initializers. BNs that
/// cannot be folded are left in place. See the .cc banner for the math and
/// the preconditions.
class FoldBatchNormPass : public Pass {
 public:
  explicit FoldBatchNormPass(FoldBatchNormOptions options = {}) : options_(options) {}
  absl::string_view name() const override { return "fold_batch_norm"; }
  absl::StatusOr<bool> Run(Graph& graph) override;

 private:
  FoldBatchNormOptions options_;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_FOLD_BATCH_NORM_H_
