#ifndef QUANTC_PASSES_IMPORT_MARK_IMPORTED_FLOAT_OPS_H_
#define QUANTC_PASSES_IMPORT_MARK_IMPORTED_FLOAT_OPS_H_

#include <vector>

#include "passes/diagnostic.h"
#include "passes/import/import_target.h"
#include "passes/pass.h"

namespace quantc {

struct MarkImportedFloatOpsOptions {
  ImportTarget target = ImportTarget::kGeneric;
  /// Receives a note per op marked. May be null.
  std::vector<Diagnostic>* log = nullptr;
};

/// Marks the ops of an imported quantized model that stay in float
/// (Node::float_op): layers the source left unquantized and, for TINPU, ops
/// with no integer form. See the .cc banner.
class MarkImportedFloatOpsPass : public Pass {
 public:
  explicit MarkImportedFloatOpsPass(MarkImportedFloatOpsOptions options = {}) : options_(options) {}
  absl::string_view name() const override { return "mark_imported_float_ops"; }
  absl::StatusOr<bool> Run(Graph& graph) override;

 private:
  MarkImportedFloatOpsOptions options_;
};

/// Whether `v` is a float activation: a float32 tensor computed by a node or
/// fed to the graph, not a constant.
bool IsFloatActivation(const Value* v);

/// Whether `n` takes part in an imported model's computation on
/// activations (not a Q/DQ node, an observer, or shape arithmetic).
bool ComputesOnActivations(const Node& n);

}  // namespace quantc

#endif  // QUANTC_PASSES_IMPORT_MARK_IMPORTED_FLOAT_OPS_H_
