// `quantc quantize` on a model quantized elsewhere (QDQ, QOperator, integer
// ops): its own quantization is kept and re-targeted (passes/import/); and
// what `quantc inspect` says about such a model.
#ifndef QUANTC_API_QUANTIZE_IMPORTED_H_
#define QUANTC_API_QUANTIZE_IMPORTED_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "api/quantize.h"
#include "backends/tinpu/target.h"
#include "ir/graph.h"

namespace quantc::api {

/// The flags that make no sense for an imported model (its own quantization
/// decides them), as a usage error naming the first one; `has_calib` allows
/// the calibration flags.
absl::Status RejectForImported(const cli::Args& args, bool tinpu, bool has_calib);

/// The passes both stages run, for --print-ir-after.
std::vector<std::string> ImportedPassNames(const QuantizeFlags& flags);

/// Runs both stages on `graph` (imported from `model`), with `data` (may
/// be null) measuring only the ranges the model lacks. Diagnostics go to
/// `console`; the report (its own format, report/imported_report.h) is
/// built when asked for.
absl::StatusOr<QuantizeOutput> QuantizeImported(const ModelInput& model,
                                                std::unique_ptr<Graph> graph,
                                                const QuantizeFlags& flags,
                                                const CalibrationData* data, const cli::Args& args,
                                                const Console& console, bool want_report);

/// Stage 1 and 2 on a copy without calibration data, for `quantc inspect`:
/// the quantization table of the imported model and, with `tinpu`, every
/// diagnostic legalization and lowering raise (which layers TINPU cannot
/// realize exactly, and why), tensors lacking a range, and a lowering error.
/// `bits` (may be null) receives the TINPU bit widths the model's integers need.
absl::StatusOr<std::string> InspectImported(const Graph& g, bool tinpu, bool json,
                                            tinpu::BitWidths* bits = nullptr);

}  // namespace quantc::api

#endif  // QUANTC_API_QUANTIZE_IMPORTED_H_
