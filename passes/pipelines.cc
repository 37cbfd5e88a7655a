#include "passes/pipelines.h"

#include "passes/fold_constants.h"
#include "passes/pass_manager.h"
#include "passes/remove_dead_nodes.h"
#include "passes/remove_identity.h"

namespace quantc {

std::vector<std::unique_ptr<Pass>> CanonicalPipeline() {
  std::vector<std::unique_ptr<Pass>> p;
  // Identity/Dropout hide producer-consumer pairs from later pattern matches.
  p.push_back(std::make_unique<RemoveIdentityPass>());
  // Exporters leave shape arithmetic on constants; folding it exposes the
  // static Reshape/Flatten shapes quantization needs.
  p.push_back(std::make_unique<FoldConstantsPass>());
  // The two passes above only redirect uses; this deletes what they orphaned.
  p.push_back(std::make_unique<RemoveDeadNodesPass>());
  return p;
}

std::unique_ptr<Pass> CanonicalizePass() {
  // Folding can expose new Identity chains and vice versa; a small cap
  // suffices because each round removes whole chains.
  return std::make_unique<FixedPointPass>("canonicalize", CanonicalPipeline(), 8);
}

}  // namespace quantc
