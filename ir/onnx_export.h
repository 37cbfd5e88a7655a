// quantc Graph -> ONNX ModelProto bytes.
#ifndef QUANTC_IR_ONNX_EXPORT_H_
#define QUANTC_IR_ONNX_EXPORT_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ir/graph.h"

namespace quantc {

/// Serializes deterministically (same graph, same bytes). Intermediate value
/// types are recomputed by ONNX shape inference so they are never stale; the
/// result is checked with the ONNX checker, and a failure is an Internal
/// error (a quantc bug, not bad input).
absl::StatusOr<std::string> ExportModelBytes(const Graph& g);

/// Re-runs ONNX shape inference over the graph and stores the inferred
/// types of node outputs (only where they add information). Returns whether
/// any type changed. Passes that create values without full types run this
/// to keep later shape-dependent passes (quantization) working.
absl::StatusOr<bool> InferTypes(Graph& g);

/// The same model at ai.onnx opset `target` (ONNX's version converter), as
/// a new graph. Unimplemented when the converter cannot adapt some node.
absl::StatusOr<std::unique_ptr<Graph>> ConvertOpset(const Graph& g, int64_t target);

/// ExportModelBytes + WriteFileAtomically (util/file.h): a failure never
/// leaves a partial file behind.
absl::Status ExportModelFile(const Graph& g, const std::string& path);

}  // namespace quantc

#endif  // QUANTC_IR_ONNX_EXPORT_H_
