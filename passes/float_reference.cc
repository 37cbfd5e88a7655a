// capture_float_reference: keeps the calibrated float model (observers
// bypassed, exactly what calibration ran) for passes that must compare a
// quantized model with float, such as legalize_tinpu pricing each repair in
// dB of output SQNR. Nothing in the graph changes.
#include "passes/float_reference.h"

#include "passes/insert_observers.h"
#include "quant/sqnr.h"

namespace quantc {

absl::StatusOr<const std::vector<std::vector<Tensor>>*> FloatReference::Outputs() {
  if (!have_outputs_) {
    if (!model || !data) return absl::FailedPreconditionError("no float reference captured");
    auto out = RunOnData(*model, *data, max_samples);
    if (!out.ok()) return out.status();
    outputs_ = *std::move(out);
    have_outputs_ = true;
  }
  return &outputs_;
}

absl::StatusOr<bool> CaptureFloatReferencePass::Run(Graph& graph) {
  reference_->model = CloneWithoutObservers(graph);
  return false;
}

}  // namespace quantc
