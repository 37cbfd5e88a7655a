// `quantc quantize` / quantc.quantize(): post-training quantization of a
// float ONNX model to a standard int8 QDQ model (--target=generic) or TI's
// NPU integer format (--target=tinpu), with an optional report.
#ifndef QUANTC_API_QUANTIZE_H_
#define QUANTC_API_QUANTIZE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "api/run.h"
#include "api/session.h"
#include "passes/pipelines.h"
#include "tools/cli.h"

namespace quantc::api {

const cli::CommandSpec& QuantizeSpec();

/// The quantize flags as pipeline options; every error is a usage error.
struct QuantizeFlags {
  int64_t calib_limit = 0;
  int64_t report_samples = 16;  ///< --report-samples (0: every calibration sample)
  bool tinpu = false;
  TinpuQuantizeOptions t;  ///< t.generic holds everything both targets share
  std::optional<ReportFormat> report;  ///< set when --report was given
};
absl::StatusOr<QuantizeFlags> ParseQuantizeFlags(const cli::Args& args);

/// Calibration data: --calib's DATA spec (files), or arrays in memory;
/// neither for a model quantized elsewhere that lacks no range.
struct CalibInput {
  std::string spec;
  std::optional<std::vector<NamedArray>> arrays;
  bool given() const { return arrays.has_value() || !spec.empty(); }
};

struct QuantizeOutput {
  std::string model;        ///< the quantized model's bytes (what -o receives)
  std::string report_json;  ///< when a report was asked for, else ""
  std::string report_file;  ///< --report's contents (JSON or HTML), else ""
};

/// Marks `g` as quantc's output for users reading it in Netron: producer
/// "quantc" and the given metadata_props, replacing entries of the same key
/// (no timestamps: outputs stay byte-identical).
void StampProvenance(Graph& g, const std::vector<std::pair<std::string, std::string>>& stamp);

/// Quantizes: a float model with calibration data, or a model quantized
/// elsewhere (api/quantize_imported.h), re-targeted. Diagnostics go to `console.diagnostic` as they are final;
/// with --verbose the report's tables go to `console.err`. The report is
/// built when `want_report`, --report or --verbose ask for it; it never
/// changes the model's bytes.
absl::StatusOr<QuantizeOutput> Quantize(const ModelInput& model, const CalibInput& calib,
                                        const cli::Args& args, const Console& console,
                                        bool want_report = false);

}  // namespace quantc::api

#endif  // QUANTC_API_QUANTIZE_H_
