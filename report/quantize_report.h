// `quantc quantize --report/--verbose`: what was quantized how, at what
// accuracy (per tensor, per layer and per model output, against the float
// model on the calibration data), every repair and notice with its cost,
// and for TINPU where each layer runs. One document, three renderings: the
// JSON file, the HTML page and the --verbose tables.
#ifndef QUANTC_REPORT_QUANTIZE_REPORT_H_
#define QUANTC_REPORT_QUANTIZE_REPORT_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/tinpu/eligibility.h"
#include "ir/graph.h"
#include "passes/diagnostic.h"
#include "quant/calibration_data.h"
#include "quant/report.h"
#include "report/model_summary.h"

namespace quantc::report {

struct QuantizeReportInputs {
  std::string model_name;  ///< the float model's path (or display name)
  bool tinpu = false;
  int weight_bits = 8;
  bool output_int = true;  ///< tinpu: outputs are the last layer's integers
  const Graph* original = nullptr;    ///< the float model as imported
  const Graph* calibrated = nullptr;  ///< after calibrate, observers in place
  /// The QDQ model whose tensors are reported: the emitted one (generic), or
  /// the legalized QDQ model the integer model was lowered from (tinpu).
  const Graph* qdq = nullptr;
  const Graph* emitted = nullptr;  ///< the model written out
  const CalibrationData* data = nullptr;
  const std::vector<Diagnostic>* diagnostics = nullptr;
  /// What was asked for, as (name, value) rows (the provenance stamp).
  std::vector<std::pair<std::string, std::string>> settings;
  std::function<void(int64_t, int64_t)> progress;  ///< samples measured
  /// SQNR and histograms are measured on this many evenly spaced
  /// calibration samples (every one when <= 0): a report costs a fraction
  /// of the quantization.
  int64_t max_samples = 16;
};

struct QuantizeReportDoc {
  std::string target;  ///< "generic" or "tinpu"
  std::vector<std::pair<std::string, std::string>> settings;
  ModelSummary float_model, quantized_model;
  QuantReport quant;
  std::vector<Diagnostic> diagnostics;
  bool has_npu = false;
  tinpu::BitWidths npu_bits;
  std::vector<tinpu::LayerReport> npu;
};

/// Runs both models over (up to `in.max_samples` of) the calibration data
/// and gathers everything.
absl::StatusOr<QuantizeReportDoc> BuildQuantizeReport(const QuantizeReportInputs& in);

/// The --report=FILE.json document: {"samples", "calibration_samples",
/// "outputs", "tensors",
/// "layers", "target", "settings", "model": {"float", "quantized"},
/// "diagnostics"[, "npu"]}.
std::string ToJson(const QuantizeReportDoc& doc);
/// The --report=FILE.html page (report/quantize_html.cc).
std::string ToHtml(const QuantizeReportDoc& doc);
/// The --verbose tables.
std::string ToText(const QuantizeReportDoc& doc);

/// Diagnostics as a JSON array (severity, subject, message, cost_db).
std::string DiagnosticsJson(const std::vector<Diagnostic>& diagnostics);

/// The layers whose int8 weights can saturate ONNX Runtime's x86 kernels on
/// CPUs without VNNI, as one note (none when no layer can).
std::vector<Diagnostic> X86SaturationNotes(const Graph& qdq);

}  // namespace quantc::report

#endif  // QUANTC_REPORT_QUANTIZE_REPORT_H_
