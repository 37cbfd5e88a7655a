#ifndef QUANTC_PASSES_IMPORT_COMPLETE_QUANTIZATION_H_
#define QUANTC_PASSES_IMPORT_COMPLETE_QUANTIZATION_H_

#include <string>
#include <vector>

#include "passes/diagnostic.h"
#include "passes/import/import_target.h"
#include "passes/pass.h"

namespace quantc {

struct CompleteQuantizationOptions {
  ImportTarget target = ImportTarget::kGeneric;
  /// Calibration data will follow (calibrate, insert_qdq): tensors without
  /// a range get observers. Without it they are an error listing them.
  bool can_calibrate = false;
  /// When set, tensors without a range are listed here instead of failing
  /// (quantc inspect reports them).
  std::vector<std::string>* missing = nullptr;
  /// Receives a note per tensor quantized like its input. May be null.
  std::vector<Diagnostic>* log = nullptr;
};

/// Quantizes the float tensors of an imported quantized model that the
/// target needs quantized: from the model itself where it implies the
/// quantization, else from calibration. See the .cc banner.
class CompleteQuantizationPass : public Pass {
 public:
  explicit CompleteQuantizationPass(CompleteQuantizationOptions options = {})
      : options_(std::move(options)) {}
  absl::string_view name() const override { return "complete_quantization"; }
  absl::StatusOr<bool> Run(Graph& graph) override;

 private:
  CompleteQuantizationOptions options_;
};

}  // namespace quantc

#endif  // QUANTC_PASSES_IMPORT_COMPLETE_QUANTIZATION_H_
