#ifndef QUANTC_PASSES_IMPORT_FUSE_DEQUANTIZED_RELU_H_
#define QUANTC_PASSES_IMPORT_FUSE_DEQUANTIZED_RELU_H_

#include <vector>

#include "passes/diagnostic.h"
#include "passes/pass.h"

namespace quantc {

struct FuseDequantizedReluOptions {
  /// Receives a note per fusion that drops an intermediate rounding. May be null.
  std::vector<Diagnostic>* log = nullptr;
};

/// Fuses a Relu/Clip that runs after a layer's DequantizeLinear (TI's and
/// some exporters' convention) into the layer's quantized output, quantc's
/// convention (Conv -> Relu -> QuantizeLinear). See the .cc banner.
class FuseDequantizedReluPass : public Pass {
 public:
  explicit FuseDequantizedReluPass(FuseDequantizedReluOptions options = {}) : options_(options) {}
  absl::string_view name() const override { return "fuse_dequantized_relu"; }
  absl::StatusOr<bool> Run(Graph& graph) override;

 private:
  FuseDequantizedReluOptions options_;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_IMPORT_FUSE_DEQUANTIZED_RELU_H_
