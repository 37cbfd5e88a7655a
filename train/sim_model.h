// The fake-quantized model quantc train optimizes (links libtorch).
//
// Built from the calibrated graph (observers with ranges, BN folded; the
// fold records give back each folded layer's own weight and BN), it runs
// the graph node by node with libtorch so autograd and the optimizers are
// PyTorch's, and simulates what the emitted model computes:
//
// * weights: per-channel symmetric, scale from max |w| exactly as
//   insert_qdq computes it, every step (weights are quantized as the
//   emitted model quantizes them, so simulated and emitted scales agree by
//   construction); biases at s_x * s_w like insert_qdq;
// * activations: each observer's range moves with PyTorch's
//   moving-average min/max (0.01) while observers are on, starting from the
//   PTQ calibration; generic: round-half-even fake quantization; TINPU: the
//   lowering's own integer arithmetic per requantization (requant_plan.h),
//   evaluated exactly, with straight-through gradients (zero outside the
//   clip range);
// * folded BatchNorm: PyTorch's folded-BN training scheme until BN freezes
//   (weights scaled by gamma / running std, quantized, the convolution
//   un-scaled and normalized with batch statistics), then the folded layer
//   exactly as emitted.
//
// After training WriteBack puts weights, BN parameters and ranges into the
// graph, and the normal insert_qdq / legalize / lower stages emit it.
#ifndef QUANTC_TRAIN_SIM_MODEL_H_
#define QUANTC_TRAIN_SIM_MODEL_H_

#include <ATen/ATen.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ir/graph.h"
#include "passes/fold_batch_norm.h"
#include "quant/observers.h"
#include "quant/qparams.h"
#include "train/requant_plan.h"

namespace quantc::train {

struct SimOptions {
  Target target = Target::kGeneric;
  ActivationScheme activations;  ///< as the quantize pipeline's insert_qdq uses it
  int weight_bits = 8;
  bool weight_power2 = false;
  bool output_int = true;  ///< TINPU: the model outputs the last layer's integers
  /// PyTorch's MovingAverageMinMaxObserver constant, as quantc's EMA observer.
  float ema_momentum = static_cast<float>(ObserverOptions{}.ema_momentum);
  /// Parameters and constants in float64, for gradient checks of the float
  /// model (fake_quant off); quantization runs in float32 only.
  bool float64 = false;
};

struct RunMode {
  bool training = false;          ///< gradients; BN uses batch statistics unless frozen
  bool bn_frozen = false;
  bool observers_frozen = false;  ///< ranges stop moving
  bool fake_quant = true;         ///< false: the float model (same weights)
  /// When set, receives every observed tensor (observer output, or its float
  /// input when fake_quant is off) in observer order.
  std::vector<at::Tensor>* observed = nullptr;
};

class SimModel {
 public:
  /// `g` is the calibrated graph (it must outlive the model and keep its
  /// nodes; WriteBack writes into it); `folds` the records of its BN folds. Unimplemented naming every
  /// node training cannot run.
  static absl::StatusOr<std::unique_ptr<SimModel>> Build(Graph& g,
                                                         std::vector<FoldedBatchNorm> folds,
                                                         const SimOptions& o);
  ~SimModel();

  /// Trainable tensors: weights, biases, BN gamma/beta.
  std::vector<at::Tensor> Parameters() const;
  /// Running BN statistics and observer ranges (for checkpoints).
  std::vector<at::Tensor> State() const;
  void LoadState(const std::vector<at::Tensor>& state);

  /// The model output for a batch (dim 0). Throws c10::Error on bad shapes.
  at::Tensor Forward(const at::Tensor& x, const RunMode& mode);

  /// What the emitted model's output is in units of: the output's scale
  /// for a TINPU model with integer outputs (its last requantization), else 1.
  float OutputScale() const;

  /// Number of observers (tensors quantized in the emitted model) and the
  /// name of each observed tensor.
  std::vector<std::string> ObservedNames() const;

  /// Fixes activation quantization to what the emitting pipeline chose
  /// (after legalization), by observed tensor name. Used until the next
  /// range update; WriteBack then writes ranges that reproduce it exactly.
  absl::Status SetEmittedQParams(const std::map<std::string, QuantParams>& by_tensor);
  /// Replaces the biases with the emitting pipeline's (bias correction),
  /// by weighted-node output name: real-valued, per channel.
  void SetBiases(const std::map<std::string, std::vector<float>>& by_output);

  /// Writes weights, biases, BN parameters and statistics, and observer
  /// ranges into the graph given to Build. Internal error if an emitted
  /// quantization cannot be written as a range.
  absl::Status WriteBack() const;

 private:
  class Impl;
  explicit SimModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace quantc::train

#endif  // QUANTC_TRAIN_SIM_MODEL_H_
