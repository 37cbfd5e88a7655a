#ifndef QUANTC_PASSES_CORRECT_BIAS_H_
#define QUANTC_PASSES_CORRECT_BIAS_H_

#include "passes/insert_qdq.h"
#include "passes/pass.h"
#include "quant/calibration_data.h"

namespace quantc {

struct CorrectBiasOptions {
  const CalibrationData* data = nullptr;  ///< required; outlives the pass
  double factor = 1.0;                    ///< fraction of the mean error to remove
  InsertQdqOptions qdq;                   ///< how the model will be quantized
};

/// Empirical bias correction: moves each quantized layer's float bias so the
/// quantized layer's per-channel output mean matches the float model's.
/// Runs on the calibrated graph, before insert_qdq. See the .cc banner.
class CorrectBiasPass : public Pass {
 public:
  explicit CorrectBiasPass(CorrectBiasOptions options) : options_(std::move(options)) {}
  absl::string_view name() const override { return "correct_bias"; }
  absl::StatusOr<bool> Run(Graph& graph) override;

 private:
  CorrectBiasOptions options_;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_CORRECT_BIAS_H_
