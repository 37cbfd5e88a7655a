#ifndef QUANTC_PASSES_SPLIT_TO_SLICES_H_
#define QUANTC_PASSES_SPLIT_TO_SLICES_H_

#include "passes/pass.h"

namespace quantc {

/// Rewrites a Split with static sizes as one Slice per output, the
/// single-output form quantization and TINPU lowering handle. See the .cc
/// banner.
class SplitToSlicesPass : public Pass {
 public:
  absl::string_view name() const override { return "split_to_slices"; }
  absl::StatusOr<bool> Run(Graph& graph) override;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_SPLIT_TO_SLICES_H_
