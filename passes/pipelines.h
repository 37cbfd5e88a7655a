// Named pipelines: ordered pass lists, all defined in pipelines.cc.
#ifndef QUANTC_PASSES_PIPELINES_H_
#define QUANTC_PASSES_PIPELINES_H_

#include <memory>
#include <vector>

#include "passes/calibrate.h"
#include "passes/insert_qdq.h"
#include "passes/pass.h"

namespace quantc {

/// Everything `quantc quantize --target=generic` can be asked for.
struct GenericQuantizeOptions {
  CalibrateOptions calibrate;  ///< data, observer, batch, epochs, progress
  InsertQdqOptions qdq;        ///< weight and activation schemes
  std::vector<std::string> float_ops;  ///< node names or op types kept in float
  double bias_correction = 0;  ///< factor for correct_bias; 0 skips it
  int bn_update_epochs = 0;    ///< update_batch_norm rounds; 0 keeps trained stats
};

/// What `quantc convert` runs by default: cleanups that never change the
/// model's results.
std::vector<std::unique_ptr<Pass>> CanonicalPipeline();

/// TI NPU options on top of the generic ones (whose schemes the pipeline
/// overrides with TINPU's: symmetric power-of-two activations, per-channel
/// symmetric weights, power-of-two at 8 bits).
struct TinpuQuantizeOptions {
  GenericQuantizeOptions generic;
  bool output_int = true;
  bool input_prequantized = false;
  std::vector<std::string>* log = nullptr;  ///< legalization moves and warnings
};

/// Post-training quantization to TI's integer ONNX format.
std::vector<std::unique_ptr<Pass>> TinpuQuantizePipeline(const TinpuQuantizeOptions& o);

/// Post-training quantization to a standard int8 ONNX QDQ model.
std::vector<std::unique_ptr<Pass>> GenericQuantizePipeline(const GenericQuantizeOptions& o);

/// The TINPU back half as one pass named "tinpu_lower" (insert_qdq with
/// TINPU's schemes, legalize_tinpu, lower_to_integer, remove_dead_nodes),
/// for golden tests that start from calibrated observers.
std::unique_ptr<Pass> TinpuLowerPass();

/// CanonicalPipeline wrapped as one fixed-point pass named "canonicalize".
std::unique_ptr<Pass> CanonicalizePass();

}  // namespace quantc

#endif  // QUANTC_PASSES_PIPELINES_H_
