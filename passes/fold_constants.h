#ifndef QUANTC_PASSES_FOLD_CONSTANTS_H_
#define QUANTC_PASSES_FOLD_CONSTANTS_H_

#include <cstdint>

#include "passes/pass.h"

namespace quantc {

struct FoldConstantsOptions {
  /// Results larger than this many bytes are not materialized unless they
  /// are no larger than the node's constant inputs (guards Expand/Tile).
  int64_t max_result_bytes = 1 << 20;
};

/// Evaluates nodes whose inputs are all constants (and Shape of a value
/// whose shape is static), replacing their outputs by initializers.
class FoldConstantsPass : public Pass {
 public:
  explicit FoldConstantsPass(FoldConstantsOptions options = {}) : options_(options) {}
  absl::string_view name() const override { return "fold_constants"; }
  absl::StatusOr<bool> Run(Graph& graph) override;

 private:
  FoldConstantsOptions options_;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_FOLD_CONSTANTS_H_
