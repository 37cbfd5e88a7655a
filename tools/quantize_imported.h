// `quantc quantize` on a model quantized elsewhere (QDQ, QOperator, integer
// ops): its own quantization is kept and re-targeted (passes/import/).
#ifndef QUANTC_TOOLS_QUANTIZE_IMPORTED_H_
#define QUANTC_TOOLS_QUANTIZE_IMPORTED_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/tinpu/target.h"
#include "ir/graph.h"
#include "passes/pass_manager.h"
#include "passes/pipelines.h"
#include "tools/cli.h"

namespace quantc {

struct ImportedQuantizeRun {
  std::string model, output;
  bool tinpu = false;
  /// calibrate.data null unless --calib; output_int/input_prequantized for tinpu.
  TinpuQuantizeOptions options;
  std::vector<std::string> float_ops;
  PassManagerOptions pass_manager;
  std::string report_path;  ///< empty: none
  bool verbose = false;
};

/// The flags that make no sense for an imported model (its own quantization
/// decides them), as InvalidArgument naming the first one; `has_calib`
/// allows the calibration flags.
absl::Status RejectForImported(const cli::Args& args, bool tinpu, bool has_calib);

/// Runs both stages, prints diagnostics, writes the model (and report).
/// Returns the process exit code.
int QuantizeImported(std::unique_ptr<Graph> graph, ImportedQuantizeRun& run);

/// Stage 1 and 2 on a copy without calibration data, for `quantc inspect`:
/// the quantization table of the imported model and, with `tinpu`, every
/// diagnostic legalization and lowering raise (which layers TINPU cannot
/// realize exactly, and why), tensors lacking a range, and a lowering error.
/// `bits` (may be null) receives the TINPU bit widths the model's integers need.
absl::StatusOr<std::string> InspectImported(const Graph& g, bool tinpu, bool json,
                                            tinpu::BitWidths* bits = nullptr);

}  // namespace quantc

#endif  // QUANTC_TOOLS_QUANTIZE_IMPORTED_H_
