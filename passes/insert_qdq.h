#ifndef QUANTC_PASSES_INSERT_QDQ_H_
#define QUANTC_PASSES_INSERT_QDQ_H_

#include <string>
#include <vector>

#include "passes/pass.h"
#include "quant/qparams.h"

namespace quantc {

struct InsertQdqOptions {
  ActivationScheme activations;  ///< int8 asymmetric by default
  int weight_bits = 8;           ///< narrow symmetric range ±(2^(bits-1)-1)
  bool weight_per_tensor = false;
  bool weight_power2 = false;
  /// Weight scales minimize reconstruction error (quant/weight_mse.h)
  /// instead of covering max |w|.
  bool weight_mse = false;
  std::vector<std::string> float_ops;  ///< nodes whose weights stay float
};

/// Replaces calibrated observers by QuantizeLinear/DequantizeLinear pairs and
/// quantizes weights (per channel) and biases (int32). See the .cc banner.
class InsertQdqPass : public Pass {
 public:
  explicit InsertQdqPass(InsertQdqOptions options = {}) : options_(std::move(options)) {}
  absl::string_view name() const override { return "insert_qdq"; }
  absl::StatusOr<bool> Run(Graph& graph) override;

 private:
  InsertQdqOptions options_;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_INSERT_QDQ_H_
