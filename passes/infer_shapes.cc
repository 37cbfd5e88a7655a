// infer_shapes: refreshes value types after structural rewrites.
//
//   Before:  %y: f32[*] = Reshape(%a: f32[1,2,2,2], %shape_folded)   (shape was dynamic)
//   After:   %y: f32[1,8] = Reshape(%a, %shape_folded)               (now constant [1,-1])
//
// Import types every value with ONNX shape inference, but a value whose
// shape depended on computed tensors stays unknown until fold_constants
// turns those tensors into initializers. This pass re-runs ONNX's own
// inference (ir/onnx_export.h InferTypes) and keeps a new type only where it
// is more specific than the current one, so it never loses information.
#include "passes/infer_shapes.h"

#include "ir/onnx_export.h"

namespace quantc {

absl::StatusOr<bool> InferShapesPass::Run(Graph& graph) { return InferTypes(graph); }

}  // namespace quantc
