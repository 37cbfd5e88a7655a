// The quantize pipeline as quantc train runs it: the target's stages
// (passes/pipelines.h) with quantc quantize's defaults, and what the
// simulation reads back from the quantize stage's QDQ graph.
#ifndef QUANTC_TRAIN_STAGES_H_
#define QUANTC_TRAIN_STAGES_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ir/graph.h"
#include "passes/pipelines.h"
#include "quant/calibration_data.h"
#include "train/trainer.h"

namespace quantc::train {

class QatPipeline {
 public:
  /// `calib` (the training data, for the PTQ start) must outlive this;
  /// `folds` receives the BN fold records of the calibrate stage, `log` the
  /// legalization moves.
  QatPipeline(const TrainOptions& o, const CalibrationData* calib,
              std::vector<FoldedBatchNorm>* folds, std::vector<Diagnostic>* log);

  /// The target's stages; `bias_correction` > 0 adds correct_bias before
  /// insert_qdq, as in quantc quantize --bias-correction. `quiet` drops the
  /// log (and with it the pricing of repairs): the syncs during training.
  QuantizeStages Stages(double bias_correction, bool quiet = false) const;

  /// The activation scheme and weight power-of-two rule insert_qdq uses.
  const ActivationScheme& activations() const { return schemes_.qdq.activations; }
  bool weight_power2() const { return schemes_.qdq.weight_power2; }

 private:
  Target target_;
  TinpuQuantizeOptions tinpu_;
  GenericQuantizeOptions schemes_;  ///< the options with the target's schemes filled in
};

/// Runs passes in order with verification; errors name the pass.
absl::Status RunPasses(std::vector<std::unique_ptr<Pass>> passes, Graph& g);

/// The quantization of every activation tensor of a QDQ graph, by the name
/// of the float tensor its QuantizeLinear reads.
std::map<std::string, QuantParams> QuantizedTensors(const Graph& qdq);

/// The real value of every quantized bias, by the output name of the
/// Conv/Gemm/MatMul/ConvTranspose that adds it.
std::map<std::string, std::vector<float>> QuantizedBiases(const Graph& qdq);

}  // namespace quantc::train

#endif  // QUANTC_TRAIN_STAGES_H_
