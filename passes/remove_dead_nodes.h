#ifndef QUANTC_PASSES_REMOVE_DEAD_NODES_H_
#define QUANTC_PASSES_REMOVE_DEAD_NODES_H_

#include "passes/pass.h"

namespace quantc {

/// Deletes nodes and initializers that no graph output depends on.
class RemoveDeadNodesPass : public Pass {
 public:
  absl::string_view name() const override { return "remove_dead_nodes"; }
  absl::StatusOr<bool> Run(Graph& graph) override;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_REMOVE_DEAD_NODES_H_
