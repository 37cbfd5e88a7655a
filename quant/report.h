// The quantization report's measurements: per quantized tensor its range,
// scale, zero point, bits, a histogram and its SQNR against the float model;
// per quantized layer its weight and output SQNR; whole-model output SQNR.
// Serialization (JSON, HTML, tables) lives in report/.
#ifndef QUANTC_QUANT_REPORT_H_
#define QUANTC_QUANT_REPORT_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "ir/graph.h"
#include "quant/calibration_data.h"

namespace quantc {

/// Counts over a fixed range [lo, hi) in equal bins, plus what fell outside
/// (for activations: what the quantizer clips).
struct RangeHistogram {
  std::string unit;  ///< "value" (real values) or "code" (value / scale + zp)
  double lo = 0, hi = 0;
  std::vector<int64_t> counts;
  int64_t below = 0, above = 0;

  RangeHistogram() = default;
  RangeHistogram(std::string unit, double lo, double hi, int bins);
  void Add(double v);
};

struct TensorReport {
  std::string name;        ///< the float tensor's name in the model
  std::string kind;        ///< "activation", "weight" or "bias"
  std::string layer;       ///< consuming layer for weights/biases, else ""
  int bits = 8;            ///< integer width the values use
  float min = 0, max = 0;  ///< observed (activations) or actual (weights) range
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  double sqnr_db = 0;      ///< 10 log10(sum f^2 / sum (f - q)^2); inf if exact
  /// Activations: float values over the representable range (clipped mass
  /// below/above). Weights: value / scale + zero point, per channel, over
  /// the integer range. Biases: none.
  std::optional<RangeHistogram> histogram;
};

/// A node with quantized weights (Conv, Gemm, MatMul, ...).
struct LayerReport {
  std::string name;    ///< node name, or its output's name when unnamed
  std::string op;
  std::string weight;  ///< the weight tensor (TensorReport::name)
  int weight_bits = 8;
  double weight_sqnr_db = 0;
  /// The activation quantized after it (through a fused Relu/Clip), and
  /// that tensor's SQNR: what the next layer receives. Unset when the
  /// layer's output stays float.
  std::optional<std::string> output;
  std::optional<double> output_sqnr_db;
};

struct OutputReport {
  std::string name;
  double sqnr_db = 0;
  double max_abs_error = 0;
};

struct QuantReport {
  std::vector<TensorReport> tensors;
  std::vector<LayerReport> layers;  ///< in graph order
  std::vector<OutputReport> outputs;
  int64_t samples = 0;              ///< calibration samples measured (SQNR, histograms)
  int64_t calibration_samples = 0;  ///< calibration samples there are
};

/// Compares `quantized` (a QDQ graph) with `calibrated` (the same model
/// after calibration, observers still in place) on the calibration data.
/// Tensors are matched by name: a QuantizeLinear's input in `quantized` is
/// the float tensor of the same name in `calibrated`. `weight_bits` is the
/// width weights were quantized to (their storage is int8 whatever it is).
/// Measures on the data samples listed in `samples` (every sample when
/// empty); `progress`, when set, is called with (samples done, samples to
/// measure). The float model's outputs on those samples go to
/// `float_outputs` when given, for comparing other models without running
/// it again.
absl::StatusOr<QuantReport> BuildQuantReport(
    const Graph& calibrated, const Graph& quantized, const CalibrationData& data,
    int weight_bits, const std::function<void(int64_t, int64_t)>& progress = {},
    absl::Span<const int64_t> samples = {},
    std::vector<std::vector<Tensor>>* float_outputs = nullptr);

}  // namespace quantc

#endif  // QUANTC_QUANT_REPORT_H_
