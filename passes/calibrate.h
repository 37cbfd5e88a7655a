#ifndef QUANTC_PASSES_CALIBRATE_H_
#define QUANTC_PASSES_CALIBRATE_H_

#include <cstdint>
#include <functional>

#include "passes/pass.h"
#include "quant/calibration_data.h"
#include "quant/observers.h"
#include "quant/qparams.h"

namespace quantc {

struct CalibrateOptions {
  const CalibrationData* data = nullptr;  ///< required; outlives the pass
  ObserverKind observer = ObserverKind::kMinMax;
  ObserverOptions observer_options;
  /// The scheme the ranges are chosen for (MSE/entropy search depend on it).
  ActivationScheme scheme;
  int64_t batch = 32;  ///< samples per observer update (EMA steps per batch)
  int epochs = 1;      ///< passes over the data
  /// Called after each batch with (samples done, total); the driver draws
  /// the progress bar (passes never print).
  std::function<void(int64_t, int64_t)> progress;
};

/// Runs the float model over the calibration data and records, on every
/// observer node, the observed min/max and the chosen range.
class CalibratePass : public Pass {
 public:
  explicit CalibratePass(CalibrateOptions options) : options_(std::move(options)) {}
  absl::string_view name() const override { return "calibrate"; }
  absl::StatusOr<bool> Run(Graph& graph) override;

 private:
  CalibrateOptions options_;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_CALIBRATE_H_
