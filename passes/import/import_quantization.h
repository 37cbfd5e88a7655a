#ifndef QUANTC_PASSES_IMPORT_IMPORT_QUANTIZATION_H_
#define QUANTC_PASSES_IMPORT_IMPORT_QUANTIZATION_H_

#include "passes/pass.h"

namespace quantc {

/// Whether `g` is already quantized: it has QuantizeLinear/DequantizeLinear,
/// QOperator (QLinear*, QGemm) or integer (MatMulInteger, ConvInteger) ops.
bool IsQuantizedModel(const Graph& g);

/// Reads the quantization a QDQ model carries into the IR (QuantParams on
/// every QuantizeLinear output and every DequantizeLinear'd weight and
/// bias), after validating each Q/DQ node. See the .cc banner.
class ImportQuantizationPass : public Pass {
 public:
  absl::string_view name() const override { return "import_quantization"; }
  absl::StatusOr<bool> Run(Graph& graph) override;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_IMPORT_IMPORT_QUANTIZATION_H_
