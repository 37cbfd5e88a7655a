#ifndef QUANTC_PASSES_CONV1D_TO_CONV2D_H_
#define QUANTC_PASSES_CONV1D_TO_CONV2D_H_

#include "passes/pass.h"

namespace quantc {

/// Rewrites 1-D convolution regions as 2-D convolutions with (k, 1)
/// kernels on (N, C, L, 1) tensors, the form TI's NPU compiler accepts.
/// See the .cc banner.
class Conv1dToConv2dPass : public Pass {
 public:
  absl::string_view name() const override { return "conv1d_to_conv2d"; }
  absl::StatusOr<bool> Run(Graph& graph) override;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_CONV1D_TO_CONV2D_H_
