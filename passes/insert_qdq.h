#ifndef QUANTC_PASSES_INSERT_QDQ_H_
#define QUANTC_PASSES_INSERT_QDQ_H_

#include <memory>
#include <vector>

#include "passes/diagnostic.h"
#include "passes/pass.h"
#include "quant/qparams.h"

namespace quantc {

/// A memo for insert_qdq runs on copies of one calibrated graph (bias
/// correction emits one model per corrected layer): a weight's scales and
/// integers depend only on the weight and the options, so they are computed
/// once and shared. Opaque; create with MakeWeightQuantCache.
struct WeightQuantCache;
std::shared_ptr<WeightQuantCache> MakeWeightQuantCache();

struct InsertQdqOptions {
  ActivationScheme activations;  ///< int8 asymmetric by default
  int weight_bits = 8;           ///< narrow symmetric range ±(2^(bits-1)-1)
  bool weight_per_tensor = false;
  bool weight_power2 = false;
  /// Weight scales minimize reconstruction error (quant/weight_mse.h)
  /// instead of covering max |w|.
  bool weight_mse = false;
  /// Receives a warning per repair (a weight channel coarsened so its bias
  /// fits int32). May be null.
  std::vector<Diagnostic>* log = nullptr;
  /// Reuses weight quantization across runs on copies of one graph. May be
  /// null (each run quantizes every weight).
  std::shared_ptr<WeightQuantCache> weight_cache;
};

/// Replaces calibrated observers by QuantizeLinear/DequantizeLinear pairs and
/// quantizes weights (per channel) and biases (int32); float ops
/// (Node::float_op) keep float weights. See the .cc banner.
class InsertQdqPass : public Pass {
 public:
  explicit InsertQdqPass(InsertQdqOptions options = {}) : options_(std::move(options)) {}
  absl::string_view name() const override { return "insert_qdq"; }
  absl::StatusOr<bool> Run(Graph& graph) override;

 private:
  InsertQdqOptions options_;
};

/// Bias correction's one model per sweep: sets `layer`'s int32 bias in
/// `emitted` (this pass's output, with `options`, for a copy of `layer`'s
/// graph) to what the pass gives when `layer` has `bias`, computed as the
/// pass computes it. False, changing nothing, when that is more than a new
/// bias constant (the int32 fit would move weight scales, or
/// options.weight_cache does not hold the layer's weight): emit anew then.
absl::StatusOr<bool> UpdateQuantizedBias(Graph& emitted, const Node& layer, const Tensor& bias,
                                         const InsertQdqOptions& options);

}  // namespace quantc

#endif  // QUANTC_PASSES_INSERT_QDQ_H_
