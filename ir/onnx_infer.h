// ONNX type and shape inference, driven by quantc node by node.
//
// libonnx 1.12's per-operator inference functions trust their inputs: a
// Conv with stride 0 divides by zero, a ConvTranspose whose weight has the
// wrong rank reads past a protobuf array (both found by fuzz/import_fuzzer).
// onnx::shape_inference::InferShapes calls them one after the other with no
// way to look in between, so quantc runs the same loop itself: for each
// node, in topological order, it first checks the node's attributes
// against the input types known at that point (GuardNode), then calls the
// operator's inference function (or infers through its function body) and
// merges the result into the graph's value_info exactly as InferShapes
// does (symbolic dims, merge with declared types). Errors name the node.
#ifndef QUANTC_IR_ONNX_INFER_H_
#define QUANTC_IR_ONNX_INFER_H_

#include "absl/status/status.h"
#include "onnx/onnx_pb.h"

namespace quantc {

/// Infers the types of every node output of `m` (sorted topologically) and
/// records them in its graph's value_info, like InferShapes with
/// check_type=false, error_mode=0 and no data propagation: an operator's
/// InferenceError leaves its outputs untyped, while a conflict with a
/// declared type or a node its inference function cannot safely take is
/// InvalidArgument naming the node.
absl::Status InferShapesGuarded(onnx::ModelProto& m);

}  // namespace quantc

#endif  // QUANTC_IR_ONNX_INFER_H_
