// What every quantc command shares between its two front ends, the `quantc`
// CLI (tools/) and the Python module (python/): where the model comes from,
// and where text, diagnostics and progress go. The commands themselves
// (api/convert.h, api/quantize.h, ...) never touch stdout, stderr or the
// file system for their outputs; the front ends do.
#ifndef QUANTC_API_SESSION_H_
#define QUANTC_API_SESSION_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ir/graph.h"
#include "passes/diagnostic.h"

namespace quantc::api {

/// A model file, or serialized ONNX bytes already in memory.
struct ModelInput {
  std::string path;                  ///< read when `bytes` is unset
  std::optional<std::string> bytes;  ///< external data is then not resolvable
  std::string display_name;          ///< names in-memory bytes in messages
  /// What error messages call the model: the path, or the display name.
  const std::string& name() const { return bytes ? display_name : path; }
};

/// Imports and verifies the model; errors start with its name.
absl::StatusOr<std::unique_ptr<Graph>> LoadModel(const ModelInput& model);

/// `status` with "<model name>: " in front of its message.
absl::Status InModel(const ModelInput& model, const absl::Status& status);

/// Applies QUANTC_MAX_TENSOR_BYTES, if set, as the tensor cap (ir/tensor.h)
/// for models with bigger tensors than the default 1 GiB. Both front ends
/// call it once at start; InvalidArgument unless it is a positive byte count.
absl::Status ApplyTensorCapFromEnvironment();

/// --report=FILE's format, from FILE's extension.
enum class ReportFormat { kJson, kHtml };
/// .json -> kJson; .html/.htm -> kHtml; anything else a usage error.
absl::StatusOr<ReportFormat> ReportFormatOf(const std::string& path);

/// The front end's outlets. Every member may be empty (then nothing goes
/// there).
struct Console {
  /// Requested output: IR dumps (--print-ir-after...). The CLI's stdout.
  std::function<void(absl::string_view)> out;
  /// Explanations asked for with --verbose (tables). The CLI's stderr.
  std::function<void(absl::string_view)> err;
  /// Every warning and note as it is final; the front end decides which to
  /// show (the CLI: warnings always, notes with --verbose).
  std::function<void(const Diagnostic&)> diagnostic;
  /// Long work's progress: stage ("calibrate", "report"), done, total.
  std::function<void(absl::string_view, int64_t, int64_t)> progress;
};

}  // namespace quantc::api

#endif  // QUANTC_API_SESSION_H_
