// `quantc quantize --report/--verbose`: what was quantized how, at what
// accuracy (per tensor and per model output, against the float model on the
// calibration data), every repair and notice with its cost, and for TINPU
// where each layer runs.
#ifndef QUANTC_TOOLS_QUANTIZE_REPORT_H_
#define QUANTC_TOOLS_QUANTIZE_REPORT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ir/graph.h"
#include "passes/diagnostic.h"
#include "quant/calibration_data.h"

namespace quantc {

struct QuantizeReportInputs {
  bool tinpu = false;
  int weight_bits = 8;
  bool output_int = true;  ///< tinpu: outputs are the last layer's integers
  const Graph* calibrated = nullptr;  ///< after calibrate, observers in place
  /// The QDQ model whose tensors are reported: the emitted one (generic), or
  /// the legalized QDQ model the integer model was lowered from (tinpu).
  const Graph* qdq = nullptr;
  const Graph* emitted = nullptr;  ///< the model written out
  const CalibrationData* data = nullptr;
  const std::vector<Diagnostic>* diagnostics = nullptr;
};

/// Diagnostics as a JSON array (severity, subject, message, cost_db).
std::string DiagnosticsJson(const std::vector<Diagnostic>& diagnostics);

/// Marks `g` as quantc's output for users reading it in Netron: producer
/// "quantc" and the given metadata_props, replacing entries of the same key
/// (no timestamps: outputs stay byte-identical).
void StampProvenance(Graph& g, const std::vector<std::pair<std::string, std::string>>& stamp);

/// The --report JSON; with `verbose`, the same as tables on stderr.
absl::StatusOr<std::string> QuantizeReport(const QuantizeReportInputs& in, bool verbose);

/// The layers whose int8 weights can saturate ONNX Runtime's x86 kernels on
/// CPUs without VNNI, as one note (none when no layer can).
std::vector<Diagnostic> X86SaturationNotes(const Graph& qdq);

}  // namespace quantc

#endif  // QUANTC_TOOLS_QUANTIZE_REPORT_H_
