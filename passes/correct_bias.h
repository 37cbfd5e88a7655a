#ifndef QUANTC_PASSES_CORRECT_BIAS_H_
#define QUANTC_PASSES_CORRECT_BIAS_H_

#include <functional>
#include <memory>
#include <vector>

#include "passes/insert_qdq.h"
#include "passes/layer_tap.h"
#include "passes/pass.h"
#include "quant/calibration_data.h"

namespace quantc {

/// The model a calibrated graph will be emitted as, and where each layer's
/// pre-activation output can be read in it (layers without a tap are read
/// by their output's name).
struct EmittedModel {
  std::unique_ptr<Graph> graph;
  std::vector<LayerTap> taps;
};

/// Builds the emitted model from a copy of the calibrated graph (observers
/// still in place): the target's back half.
using EmitFunction = std::function<absl::StatusOr<EmittedModel>(std::unique_ptr<Graph>)>;

/// The generic target's emitter: insert_qdq with `qdq`; every layer's float
/// output stays where it was.
EmitFunction QdqEmitter(InsertQdqOptions qdq);

struct CorrectBiasOptions {
  const CalibrationData* data = nullptr;  ///< required; outlives the pass
  double factor = 1.0;                    ///< fraction of the mean error to remove
  EmitFunction emit;                      ///< how the model will be quantized; required
  /// Bytes of per-sample activations kept in memory between layers; more
  /// goes to a temporary file.
  int64_t memory_budget = int64_t{1} << 29;  // 512 MiB
};

/// Empirical bias correction: moves each quantized layer's float bias so the
/// layer's per-channel output mean in the emitted model matches the float
/// model's. Runs on the calibrated graph, before insert_qdq. See the .cc
/// banner.
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
