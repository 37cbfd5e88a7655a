#ifndef QUANTC_PASSES_REDUCE_TO_GLOBAL_POOL_H_
#define QUANTC_PASSES_REDUCE_TO_GLOBAL_POOL_H_

#include "passes/pass.h"

namespace quantc {

/// Rewrites ReduceMean / ReduceSum over exactly the spatial axes as
/// GlobalAveragePool, the form both targets quantize. See the .cc banner.
class ReduceToGlobalPoolPass : public Pass {
 public:
  absl::string_view name() const override { return "reduce_to_global_pool"; }
  absl::StatusOr<bool> Run(Graph& graph) override;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_REDUCE_TO_GLOBAL_POOL_H_
