// Quantization-aware training: the engine behind `quantc train`.
//
// One pipeline, two ways to get ranges and weights. PTQ runs the target's
// calibrate stage and then its quantize/lower stages. QAT runs the same
// calibrate stage on the training data (so epoch 0 is PTQ quality), trains
// the calibrated graph as a fake-quantized libtorch model (sim_model.h) on
// TI's epoch schedule (schedule.h), writes the trained weights, BN
// statistics and ranges back into the graph, and runs the same quantize and
// lower stages. While observers are frozen, and before every validation,
// the quantize stage runs on a copy so the simulation uses exactly the
// quantization that will be emitted (after legalization).
//
// This header does not include libtorch: the quantc-train binary's driver
// compiles without it.
#ifndef QUANTC_TRAIN_TRAINER_H_
#define QUANTC_TRAIN_TRAINER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ir/graph.h"
#include "ir/tensor.h"
#include "passes/diagnostic.h"
#include "train/requant_plan.h"
#include "train/schedule.h"

namespace quantc::train {

enum class Loss { kCrossEntropy, kMse };
enum class Optimizer { kSgd, kAdam };

struct TrainOptions {
  Target target = Target::kGeneric;
  int weight_bits = 8;
  bool output_int = true;  ///< TINPU: integer outputs (TI's output_int)
  int epochs = 10;
  FreezeSetting bn_update;        ///< --bn-update-epochs
  FreezeSetting observer_update;  ///< --observer-update-epochs
  Optimizer optimizer = Optimizer::kAdam;
  double lr = 3e-4;
  double momentum = 0.9;
  double weight_decay = 0;
  LrSchedule lr_schedule = LrSchedule::kCosine;
  int64_t batch_size = 64;
  Loss loss = Loss::kCrossEntropy;
  double bias_calibration = 0;  ///< correct_bias factor applied after training
  std::vector<std::string> float_ops;
  uint64_t seed = 0;
  int threads = 1;
  std::string checkpoint_dir;  ///< empty: no checkpoints
  bool resume = false;
  /// Identifies model, data and training flags; a checkpoint made with a
  /// different fingerprint is refused on --resume.
  std::string fingerprint;
  /// Set asynchronously (SIGINT): training stops after the current batch.
  const std::atomic<bool>* interrupted = nullptr;
};

/// Training data: x (N, per-sample dims), labels (N,) integer classes for
/// cross-entropy or float32 targets (N, ...) for MSE; validation optional.
struct TrainData {
  Tensor x, y;
  std::optional<Tensor> val_x, val_y;
};

struct EpochReport {
  int epoch = 0;          ///< 1-based; 0 is the calibrated (PTQ) start
  double loss = 0;        ///< mean training loss (0 for epoch 0)
  double train_metric = 0;  ///< % top-1 or MSE on the training batches
  std::optional<double> val_metric;  ///< fake-quant model on the validation data
  double lr = 0;
  bool bn_frozen = false, observers_frozen = false;
  double train_seconds = 0;  ///< wall time of the epoch's batches (no validation)
};

struct LayerSqnr {
  std::string tensor;
  double sqnr_db = 0;  ///< fake-quant vs float (same trained weights); inf if exact
};

struct TrainResult {
  std::unique_ptr<Graph> emitted;  ///< the target's model (QDQ or TINPU integers)
  double fake_quant_metric = 0;    ///< on the validation data (else the training data)
  /// The simulation's outputs on that data, (N, ...), in the emitted model's
  /// units (TINPU with integer outputs: the integers), to compare with it.
  Tensor fake_quant_outputs;
  std::vector<EpochReport> epochs;
  std::vector<LayerSqnr> sqnr;     ///< per quantized tensor, on the same data
  std::vector<Diagnostic> log;     ///< repairs and notes of the final emission
};

/// Callbacks for progress output (the driver prints; may be empty).
struct TrainCallbacks {
  std::function<void(const EpochReport&)> on_epoch;
  std::function<void(int epoch, int64_t batch, int64_t batches)> on_batch;
};

/// Trains `model` (a float ONNX graph, one input) and emits it for the
/// target. Errors: InvalidArgument for data that does not fit the model or
/// a loss that becomes NaN (naming the epoch), Unimplemented for ops
/// training or the target cannot handle (naming every node), Cancelled when
/// `interrupted` was set (the last checkpoint stays valid).
absl::StatusOr<TrainResult> Train(std::unique_ptr<Graph> model, const TrainData& data,
                                  const TrainOptions& options, const TrainCallbacks& callbacks);

}  // namespace quantc::train

#endif  // QUANTC_TRAIN_TRAINER_H_
