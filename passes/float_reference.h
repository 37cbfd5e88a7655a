#ifndef QUANTC_PASSES_FLOAT_REFERENCE_H_
#define QUANTC_PASSES_FLOAT_REFERENCE_H_

#include <memory>
#include <vector>

#include "passes/pass.h"
#include "quant/calibration_data.h"

namespace quantc {

/// The calibrated float model and what it computes on the calibration data:
/// the reference later passes (legalize_tinpu) measure accuracy costs
/// against. A pipeline creates one, CaptureFloatReferencePass fills it at
/// run time, and the passes that read it share the pointer.
struct FloatReference {
  const CalibrationData* data = nullptr;  ///< outlives the pipeline run
  int64_t max_samples = 1024;             ///< measure on at most this many samples
  std::unique_ptr<Graph> model;           ///< set by CaptureFloatReferencePass

  /// The float model's outputs per sample (computed on first use).
  absl::StatusOr<const std::vector<std::vector<Tensor>>*> Outputs();

 private:
  std::vector<std::vector<Tensor>> outputs_;
  bool have_outputs_ = false;
};

/// Keeps a copy of the calibrated graph without its observers (the float
/// model) in `reference`. Changes nothing in the graph itself.
class CaptureFloatReferencePass : public Pass {
 public:
  explicit CaptureFloatReferencePass(std::shared_ptr<FloatReference> reference)
      : reference_(std::move(reference)) {}
  absl::string_view name() const override { return "capture_float_reference"; }
  absl::StatusOr<bool> Run(Graph& graph) override;

 private:
  std::shared_ptr<FloatReference> reference_;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_FLOAT_REFERENCE_H_
