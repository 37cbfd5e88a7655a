#ifndef QUANTC_PASSES_IMPORT_NORMALIZE_QDQ_H_
#define QUANTC_PASSES_IMPORT_NORMALIZE_QDQ_H_

#include <vector>

#include "passes/diagnostic.h"
#include "passes/pass.h"

namespace quantc {

struct NormalizeQdqOptions {
  /// Receives a note per approximation (a double rounding dropped). May be null.
  std::vector<Diagnostic>* log = nullptr;
};

/// Puts an imported QDQ model's Q/DQ nodes in quantc's shape: one scalar
/// scale and zero point shared by a QuantizeLinear and its
/// DequantizeLinears, no redundant DequantizeLinear -> QuantizeLinear pairs,
/// and dequantized constants that are not weights or biases as plain float
/// constants. Runs after import_quantization. See the .cc banner.
class NormalizeQdqPass : public Pass {
 public:
  explicit NormalizeQdqPass(NormalizeQdqOptions options = {}) : options_(options) {}
  absl::string_view name() const override { return "normalize_qdq"; }
  absl::StatusOr<bool> Run(Graph& graph) override;

 private:
  NormalizeQdqOptions options_;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_IMPORT_NORMALIZE_QDQ_H_
