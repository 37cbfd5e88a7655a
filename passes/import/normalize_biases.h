#ifndef QUANTC_PASSES_IMPORT_NORMALIZE_BIASES_H_
#define QUANTC_PASSES_IMPORT_NORMALIZE_BIASES_H_

#include <vector>

#include "passes/diagnostic.h"
#include "passes/pass.h"

namespace quantc {

struct NormalizeBiasesOptions {
  /// Receives a note per bias quantized or requantized. May be null.
  std::vector<Diagnostic>* log = nullptr;
};

/// Gives each quantized layer of an imported model an int32 bias at its
/// accumulator scale s_x * s_w[c], as integer kernels add it. See the .cc
/// banner.
class NormalizeBiasesPass : public Pass {
 public:
  explicit NormalizeBiasesPass(NormalizeBiasesOptions options = {}) : options_(options) {}
  absl::string_view name() const override { return "normalize_biases"; }
  absl::StatusOr<bool> Run(Graph& graph) override;

 private:
  NormalizeBiasesOptions options_;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_IMPORT_NORMALIZE_BIASES_H_
