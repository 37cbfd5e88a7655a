// Named pipelines: ordered pass lists, all defined in pipelines.cc.
#ifndef QUANTC_PASSES_PIPELINES_H_
#define QUANTC_PASSES_PIPELINES_H_

#include <memory>
#include <utility>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "backends/tinpu/target.h"
#include "passes/calibrate.h"
#include "passes/correct_bias.h"
#include "passes/diagnostic.h"
#include "passes/float_reference.h"
#include "passes/fold_batch_norm.h"
#include "passes/import/import_target.h"
#include "passes/insert_qdq.h"
#include "passes/layer_tap.h"
#include "passes/lower_to_integer.h"
#include "passes/pass.h"

namespace quantc {

/// Everything `quantc quantize --target=generic` can be asked for.
struct GenericQuantizeOptions {
  CalibrateOptions calibrate;  ///< data, observer, batch, epochs, progress
  InsertQdqOptions qdq;        ///< weight and activation schemes
  std::vector<std::string> float_ops;  ///< node names or op types kept in float
  double bias_correction = 0;  ///< factor for correct_bias; 0 skips it
  int bn_update_epochs = 0;    ///< update_batch_norm rounds; 0 keeps trained stats
  /// Repairs and notices of every pass (printed by the driver). May be null.
  std::vector<Diagnostic>* log = nullptr;
  /// Receives one record per BatchNormalization folded (quantc train keeps
  /// training those layers as Conv + BN). May be null.
  std::vector<FoldedBatchNorm>* folded_batch_norms = nullptr;
};

/// A quantize pipeline cut where a caller may act between the stages
/// (quantc train trains the calibrated graph, then emits it):
/// * calibrate: float model -> float graph whose observers carry ranges;
/// * quantize:  -> the QDQ model the target realizes (TINPU: legalized);
/// * lower:     -> the target's own form (TINPU integers; empty for generic).
/// Running the three in order is exactly the target's quantize pipeline.
struct QuantizeStages {
  std::vector<std::unique_ptr<Pass>> calibrate;
  std::vector<std::unique_ptr<Pass>> quantize;
  std::vector<std::unique_ptr<Pass>> lower;
};

/// What `quantc convert` runs by default: cleanups that never change the
/// model's results.
std::vector<std::unique_ptr<Pass>> CanonicalPipeline();

/// Rewrites of equivalent forms into the ones both quantizers handle:
/// spatial ReduceMean/ReduceSum -> GlobalAveragePool, Split -> Slices,
/// Squeeze/Unsqueeze -> Reshape. Numerically equivalent up to float
/// rounding, so not part of CanonicalPipeline (which `convert` runs).
std::vector<std::unique_ptr<Pass>> QuantizableFormsPipeline();

/// TI NPU options. TINPU fixes its own schemes (symmetric power-of-two
/// activations, per-channel symmetric weights, power-of-two at 8 bits):
/// `generic.calibrate.scheme`, `generic.qdq.activations`,
/// `generic.qdq.weight_per_tensor` and `generic.qdq.weight_power2` must keep
/// their defaults (ValidateTinpuOptions), the rest applies as for generic.
struct TinpuQuantizeOptions {
  GenericQuantizeOptions generic;
  bool output_int = true;
  bool input_prequantized = false;
};

/// The activation observer `quantc quantize` and `quantc train` calibrate
/// with unless told otherwise: TINPU picks power-of-two exponents, which the
/// MSE search prices; generic uses min/max.
ObserverKind DefaultActivationObserver(bool tinpu);

/// InvalidArgument naming every option TINPU would ignore, and unsupported
/// weight widths (8, 4 and 2 bits only).
absl::Status ValidateTinpuOptions(const TinpuQuantizeOptions& o);

/// Post-training quantization to TI's integer ONNX format.
/// Precondition: ValidateTinpuOptions(o).ok() (QC_CHECKed).
std::vector<std::unique_ptr<Pass>> TinpuQuantizePipeline(const TinpuQuantizeOptions& o);
QuantizeStages TinpuQuantizeStages(const TinpuQuantizeOptions& o);

/// The options with TINPU's own schemes filled in (what the TINPU
/// pipeline runs with): the activation scheme and weight power-of-two rule
/// insert_qdq will use.
TinpuQuantizeOptions WithTinpuSchemes(TinpuQuantizeOptions o);

/// Post-training quantization to a standard int8 ONNX QDQ model.
std::vector<std::unique_ptr<Pass>> GenericQuantizePipeline(const GenericQuantizeOptions& o);
QuantizeStages GenericQuantizeStages(const GenericQuantizeOptions& o);

/// The TINPU back half, from calibrated observers to integers: insert_qdq
/// with TINPU's schemes, legalize_tinpu (pricing repairs against
/// `reference` when given), lower_to_integer (reporting each layer's
/// accumulator into `taps` and every node it cannot lower into `problems`
/// when given), remove_dead_nodes.
std::vector<std::unique_ptr<Pass>> TinpuLowerPipeline(
    const TinpuQuantizeOptions& o, std::shared_ptr<FloatReference> reference = nullptr,
    std::vector<LayerTap>* taps = nullptr, std::vector<LoweringProblem>* problems = nullptr);

/// Bias correction's view of the TINPU back half: the model TinpuLowerPipeline
/// emits from a calibrated graph (with its taps), and the in-place update of
/// one layer's bias in it (UpdateTinpuBias).
std::pair<EmitFunction, BiasUpdateFunction> TinpuBiasCorrectionEmitter(
    const TinpuQuantizeOptions& o);

/// TinpuLowerPipeline with default options as one pass named "tinpu_lower",
/// for golden tests that start from calibrated observers.
std::unique_ptr<Pass> TinpuLowerPass();

/// What `quantc quantize` does with a model quantized elsewhere (QDQ,
/// QOperator or integer ops; see passes/import/).
struct ImportOptions {
  ImportTarget target = ImportTarget::kGeneric;
  /// TINPU: node names or op types also kept in float (--float-ops).
  std::vector<std::string> float_ops;
  /// Repairs and notices of every pass. May be null.
  std::vector<Diagnostic>* log = nullptr;
};

/// Stage 1 for an imported quantized model: its Q/DQ, QOperator and integer
/// ops in quantc's QDQ form (validated, QuantParams recorded, weights int8
/// per channel), with its float ops marked.
std::vector<std::unique_ptr<Pass>> ImportQuantizedPipeline(const ImportOptions& o);

/// The TINPU bit widths an imported model's integers need: 8-bit
/// activations, and the narrowest weight width (2, 4, 8) holding every
/// imported integer weight (after ImportQuantizedPipeline).
tinpu::BitWidths ImportedBitWidths(const Graph& g);

/// Stage 2 options. `target.generic.calibrate.data` is null unless the user
/// gave --calib (then it only measures the ranges the model lacks);
/// `target.generic.qdq.weight_bits` is ImportedBitWidths' weight width.
struct ImportedQuantizeOptions {
  ImportOptions import;
  TinpuQuantizeOptions target;
  /// When set, tensors lacking a range are listed here instead of failing
  /// (quantc inspect).
  std::vector<std::string>* missing = nullptr;
};

/// Stage 2, generic: the missing ranges, int32 biases; a clean QDQ model.
std::vector<std::unique_ptr<Pass>> ImportedGenericPipeline(const ImportedQuantizeOptions& o);

/// Stage 2, TINPU: the missing ranges, then the TINPU back half
/// (legalization priced against the imported model when calibration data is
/// given, lowering).
std::vector<std::unique_ptr<Pass>> ImportedTinpuPipeline(const ImportedQuantizeOptions& o);

/// Stage 1 and 2 for one target without calibration data, as one pass (the
/// weight widths for TINPU are read from the model between the stages):
/// "imported_generic" and "imported_tinpu", for golden tests and --passes.
std::unique_ptr<Pass> ImportedGenericPass();
std::unique_ptr<Pass> ImportedTinpuPass();

/// CanonicalPipeline wrapped as one fixed-point pass named "canonicalize".
std::unique_ptr<Pass> CanonicalizePass();

}  // namespace quantc

#endif  // QUANTC_PASSES_PIPELINES_H_
