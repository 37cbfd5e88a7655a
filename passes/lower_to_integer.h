#ifndef QUANTC_PASSES_LOWER_TO_INTEGER_H_
#define QUANTC_PASSES_LOWER_TO_INTEGER_H_

#include <string>
#include <vector>

#include "passes/layer_tap.h"
#include "passes/pass.h"

namespace quantc {

struct LowerToIntegerOptions {
  int weight_bits = 8;  ///< 8: power-of-two multipliers; 4/2: 8-bit multipliers
  /// The model output holds the last layer's integers (TI's output_int);
  /// false appends a Mul by its scale so the output is real-valued.
  bool output_int = true;
  /// The model input already holds integers in the input's quantization
  /// (the application quantizes); otherwise an OSS block quantizes it.
  bool input_prequantized = false;
  /// Receives, per weighted layer, where its pre-activation output lives in
  /// the integer model (its accumulator, offset by the integer bias, times
  /// the accumulator scale): what bias correction measures. May be null.
  std::vector<LayerTap>* taps = nullptr;
};

/// Rewrites a power-of-two QDQ model into TI's integer ONNX form (integer
/// weights, offset-scale-shift requantization). See the .cc banner.
class LowerToIntegerPass : public Pass {
 public:
  explicit LowerToIntegerPass(LowerToIntegerOptions options = {}) : options_(std::move(options)) {}
  absl::string_view name() const override { return "lower_to_integer"; }
  absl::StatusOr<bool> Run(Graph& graph) override;

 private:
  LowerToIntegerOptions options_;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_LOWER_TO_INTEGER_H_
