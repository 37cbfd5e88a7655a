#ifndef QUANTC_PASSES_IMPORT_NORMALIZE_WEIGHTS_H_
#define QUANTC_PASSES_IMPORT_NORMALIZE_WEIGHTS_H_

#include <vector>

#include "passes/diagnostic.h"
#include "passes/pass.h"

namespace quantc {

struct NormalizeWeightsOptions {
  /// Receives a warning per weight that had to be requantized. May be null.
  std::vector<Diagnostic>* log = nullptr;
};

/// Gives every imported quantized weight quantc's form: int8, zero point 0,
/// one scale per output channel. See the .cc banner.
class NormalizeWeightsPass : public Pass {
 public:
  explicit NormalizeWeightsPass(NormalizeWeightsOptions options = {}) : options_(options) {}
  absl::string_view name() const override { return "normalize_weights"; }
  absl::StatusOr<bool> Run(Graph& graph) override;

 private:
  NormalizeWeightsOptions options_;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_IMPORT_NORMALIZE_WEIGHTS_H_
