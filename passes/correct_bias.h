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
  /// What a target's in-place bias update needs besides the model (TINPU:
  /// the models before lowering).
  struct State {
    virtual ~State() = default;
  };
  std::unique_ptr<Graph> graph;
  std::vector<LayerTap> taps;
  std::unique_ptr<State> state;
};

/// Builds the emitted model from a copy of the calibrated graph (observers
/// still in place): the target's back half.
using EmitFunction = std::function<absl::StatusOr<EmittedModel>(std::unique_ptr<Graph>)>;

/// The generic target's emitter: insert_qdq with `qdq`; every layer's float
/// output stays where it was.
EmitFunction QdqEmitter(InsertQdqOptions qdq);

/// Sets `layer`'s bias (a node of the calibrated graph) in an emitted model
/// (graph, taps, state) to what emitting with `bias` gives. False when only
/// a new emission can: the model is then dropped and emitted anew.
using BiasUpdateFunction = std::function<absl::StatusOr<bool>(
    EmittedModel& emitted, const Node& layer, const Tensor& bias)>;

/// The generic target's: insert_qdq's int32 bias for `bias`, in place
/// (UpdateQuantizedBias); `qdq` must be QdqEmitter's, weight cache included.
BiasUpdateFunction QdqBiasUpdater(InsertQdqOptions qdq);

struct CorrectBiasOptions {
  const CalibrationData* data = nullptr;  ///< required; outlives the pass
  double factor = 1.0;                    ///< fraction of the mean error to remove
  EmitFunction emit;                      ///< how the model will be quantized; required
  /// Optional: without it, the model is emitted anew after each correction.
  BiasUpdateFunction update_bias = nullptr;
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
