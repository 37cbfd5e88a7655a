#ifndef QUANTC_PASSES_LOWER_TO_INTEGER_H_
#define QUANTC_PASSES_LOWER_TO_INTEGER_H_

#include <string>
#include <vector>

#include "passes/layer_tap.h"
#include "passes/pass.h"

namespace quantc {

/// A node lowering could not rewrite, and why (for callers that act on the
/// list, such as the early TINPU op check; the pass's status says the same).
struct LoweringProblem {
  std::string node;     ///< the node's name (empty when unnamed)
  std::string op_type;
  std::string label;    ///< Node::Describe(): "node 'x' (Op)" or "node producing 'y' (Op)"
  std::string why;
};

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
  /// Receives every node that could not be lowered. May be null.
  std::vector<LoweringProblem>* problems = nullptr;
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
