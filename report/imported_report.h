// `quantc quantize --report/--verbose` for a model quantized elsewhere:
// how it is quantized, tensor by tensor, what re-targeting changed and cost,
// its outputs against the imported model (with --calib) and, for TINPU,
// where each layer runs. JSON, an HTML page, and the --verbose tables.
#ifndef QUANTC_REPORT_IMPORTED_REPORT_H_
#define QUANTC_REPORT_IMPORTED_REPORT_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "backends/tinpu/eligibility.h"
#include "passes/diagnostic.h"
#include "report/imported_quantization.h"

namespace quantc::report {

struct ImportedReportDoc {
  std::string model;  ///< path or display name
  bool tinpu = false;
  int weight_bits = 8;
  std::vector<TensorQuantization> quantization;
  std::vector<Diagnostic> diagnostics;
  /// Per model output: SQNR of the emitted model against the imported one
  /// on `samples` calibration samples (only with --calib).
  std::optional<std::vector<std::pair<std::string, double>>> outputs;
  int64_t samples = 0;
  bool has_npu = false;
  tinpu::BitWidths npu_bits;
  std::vector<tinpu::LayerReport> npu;
};

/// {"target", "source", "weight_bits", "quantization", "diagnostics"
/// [, "samples", "outputs"][, "npu"]}.
std::string ToJson(const ImportedReportDoc& doc);
std::string ToHtml(const ImportedReportDoc& doc);
std::string ToText(const ImportedReportDoc& doc);

}  // namespace quantc::report

#endif  // QUANTC_REPORT_IMPORTED_REPORT_H_
