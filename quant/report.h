// The quantization report: per quantized tensor its range, scale, zero
// point and SQNR against the float model; plus whole-model output SQNR.
#ifndef QUANTC_QUANT_REPORT_H_
#define QUANTC_QUANT_REPORT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ir/graph.h"
#include "quant/calibration_data.h"

namespace quantc {

struct TensorReport {
  std::string name;        ///< the float tensor's name in the model
  std::string kind;        ///< "activation", "weight" or "bias"
  std::string layer;       ///< consuming layer for weights/biases, else ""
  float min = 0, max = 0;  ///< observed (activations) or actual (weights) range
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  double sqnr_db = 0;      ///< 10 log10(sum f^2 / sum (f - q)^2); inf if exact
};

struct OutputReport {
  std::string name;
  double sqnr_db = 0;
  double max_abs_error = 0;
};

struct QuantReport {
  std::vector<TensorReport> tensors;
  std::vector<OutputReport> outputs;
  int64_t samples = 0;
};

/// Compares `quantized` (a QDQ graph) with `calibrated` (the same model
/// after calibration, observers still in place) on the calibration data.
/// Tensors are matched by name: a QuantizeLinear's input in `quantized` is
/// the float tensor of the same name in `calibrated`.
absl::StatusOr<QuantReport> BuildQuantReport(const Graph& calibrated, const Graph& quantized,
                                             const CalibrationData& data);

/// One JSON object: {"samples", "outputs", "tensors"}, then each of
/// `extra`'s (key, raw JSON value) pairs in order.
std::string ReportToJson(const QuantReport& r,
                         const std::vector<std::pair<std::string, std::string>>& extra = {});
/// A short fixed-width table for --verbose.
std::string ReportToTable(const QuantReport& r);

}  // namespace quantc

#endif  // QUANTC_QUANT_REPORT_H_
