// Named pipelines: ordered pass lists, all defined in pipelines.cc.
#ifndef QUANTC_PASSES_PIPELINES_H_
#define QUANTC_PASSES_PIPELINES_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "passes/calibrate.h"
#include "passes/diagnostic.h"
#include "passes/float_reference.h"
#include "passes/insert_qdq.h"
#include "passes/layer_tap.h"
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
};

/// What `quantc convert` runs by default: cleanups that never change the
/// model's results.
std::vector<std::unique_ptr<Pass>> CanonicalPipeline();

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

/// InvalidArgument naming every option TINPU would ignore, and unsupported
/// weight widths (8, 4 and 2 bits only).
absl::Status ValidateTinpuOptions(const TinpuQuantizeOptions& o);

/// Post-training quantization to TI's integer ONNX format.
/// Precondition: ValidateTinpuOptions(o).ok() (QC_CHECKed).
std::vector<std::unique_ptr<Pass>> TinpuQuantizePipeline(const TinpuQuantizeOptions& o);

/// Post-training quantization to a standard int8 ONNX QDQ model.
std::vector<std::unique_ptr<Pass>> GenericQuantizePipeline(const GenericQuantizeOptions& o);

/// The TINPU back half, from calibrated observers to integers: insert_qdq
/// with TINPU's schemes, legalize_tinpu (pricing repairs against
/// `reference` when given), lower_to_integer (reporting each layer's
/// accumulator into `taps` when given), remove_dead_nodes.
std::vector<std::unique_ptr<Pass>> TinpuLowerPipeline(
    const TinpuQuantizeOptions& o, std::shared_ptr<FloatReference> reference = nullptr,
    std::vector<LayerTap>* taps = nullptr);

/// TinpuLowerPipeline with default options as one pass named "tinpu_lower",
/// for golden tests that start from calibrated observers.
std::unique_ptr<Pass> TinpuLowerPass();

/// CanonicalPipeline wrapped as one fixed-point pass named "canonicalize".
std::unique_ptr<Pass> CanonicalizePass();

}  // namespace quantc

#endif  // QUANTC_PASSES_PIPELINES_H_
