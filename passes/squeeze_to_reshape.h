#ifndef QUANTC_PASSES_SQUEEZE_TO_RESHAPE_H_
#define QUANTC_PASSES_SQUEEZE_TO_RESHAPE_H_

#include "passes/pass.h"

namespace quantc {

/// Rewrites Squeeze and Unsqueeze with a static output shape as a Reshape to
/// that constant shape. See the .cc banner.
class SqueezeToReshapePass : public Pass {
 public:
  absl::string_view name() const override { return "squeeze_to_reshape"; }
  absl::StatusOr<bool> Run(Graph& graph) override;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_SQUEEZE_TO_RESHAPE_H_
