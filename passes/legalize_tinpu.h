#ifndef QUANTC_PASSES_LEGALIZE_TINPU_H_
#define QUANTC_PASSES_LEGALIZE_TINPU_H_

#include <memory>
#include <vector>

#include "passes/diagnostic.h"
#include "passes/float_reference.h"
#include "passes/pass.h"

namespace quantc {

struct LegalizeTinpuOptions {
  int weight_bits = 8;
  /// The application feeds integers: there is no input-quantize block, so
  /// its multiplier limit does not apply to the input scale.
  bool input_prequantized = false;
  /// The float model and calibration data: when set, each repair's cost is
  /// measured as the drop of model output SQNR it causes (QDQ simulation).
  std::shared_ptr<FloatReference> reference;
  /// A repair whose measured cost exceeds this many dB is a warning.
  double warn_db = 1.0;
  /// The reference is the imported quantized model itself, not a float
  /// model: its output is the target, so a repair is priced by how far it
  /// moves the output (the SQNR of the output after it against before it),
  /// a warning below `warn_perturbation_db`.
  bool reference_is_quantized = false;
  double warn_perturbation_db = 30.0;
  /// Receives one diagnostic per repair or notice; the driver prints them
  /// (passes never print). May be null.
  std::vector<Diagnostic>* log = nullptr;
  /// Receives the output name of every weighted layer whose requantization
  /// needed a repair (a coarser output or weight scale). May be null.
  std::vector<std::string>* refit_layers = nullptr;
};

/// A layer's int32 bias `q` at scales `from` requantized to scales `to`
/// (one entry, or one per element), rounded half to even and clamped to
/// int32: what legalization does when the accumulator scale moves.
Tensor RequantizedBias(const Tensor& q, absl::Span<const float> from, absl::Span<const float> to);

/// Makes a power-of-two QDQ model representable in TINPU integers by
/// adjusting scales, instead of rejecting it. See the .cc banner.
class LegalizeTinpuPass : public Pass {
 public:
  explicit LegalizeTinpuPass(LegalizeTinpuOptions options = {}) : options_(std::move(options)) {}
  absl::string_view name() const override { return "legalize_tinpu"; }
  absl::StatusOr<bool> Run(Graph& graph) override;

 private:
  LegalizeTinpuOptions options_;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_LEGALIZE_TINPU_H_
