// The pass contract: a named graph transformation that reports, honestly,
// whether it changed the graph. Passes never print; the PassManager's
// caller observes them.
#ifndef QUANTC_PASSES_PASS_H_
#define QUANTC_PASSES_PASS_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ir/graph.h"

namespace quantc {

class Pass {
 public:
  virtual ~Pass() = default;
  /// The registry name, e.g. "remove_dead_nodes".
  virtual absl::string_view name() const = 0;
  /// Returns true iff the graph changed. Errors name the node and use
  /// InvalidArgument (bad model), FailedPrecondition (pass precondition) or
  /// Unimplemented (unsupported construct).
  virtual absl::StatusOr<bool> Run(Graph& graph) = 0;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_PASS_H_
