#ifndef QUANTC_PASSES_IMPORT_FOLD_QDQ_CASTS_H_
#define QUANTC_PASSES_IMPORT_FOLD_QDQ_CASTS_H_

#include "passes/pass.h"

namespace quantc {

/// Folds the Cast nodes exporters put on QuantizeLinear/DequantizeLinear
/// scales and zero points (PyTorch 1.13 casts an int32 zero point to
/// uint8/int8 in the graph), checking every zero point fits its type, and
/// bypasses no-op Casts next to Q/DQ. See the .cc banner.
class FoldQdqCastsPass : public Pass {
 public:
  absl::string_view name() const override { return "fold_qdq_casts"; }
  absl::StatusOr<bool> Run(Graph& graph) override;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_IMPORT_FOLD_QDQ_CASTS_H_
