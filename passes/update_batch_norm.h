#ifndef QUANTC_PASSES_UPDATE_BATCH_NORM_H_
#define QUANTC_PASSES_UPDATE_BATCH_NORM_H_

#include "passes/pass.h"
#include "quant/calibration_data.h"

namespace quantc {

struct UpdateBatchNormOptions {
  const CalibrationData* data = nullptr;  ///< required; outlives the pass
  int epochs = 1;                         ///< re-estimation rounds
};

/// Re-estimates every inference BatchNormalization's mean and variance on
/// the calibration data (the compiler form of TI's
/// num_batch_norm_update_epochs). See the .cc banner.
class UpdateBatchNormPass : public Pass {
 public:
  explicit UpdateBatchNormPass(UpdateBatchNormOptions options) : options_(options) {}
  absl::string_view name() const override { return "update_batch_norm"; }
  absl::StatusOr<bool> Run(Graph& graph) override;

 private:
  UpdateBatchNormOptions options_;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_UPDATE_BATCH_NORM_H_
