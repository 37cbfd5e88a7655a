// Old ONNX models (ai.onnx opsets 1-6, e.g. PyTorch exports before ONNX
// 1.2) upgraded on import to the oldest opset quantc handles, with ONNX's own
// version converter. Internal to //ir:onnx_io (it sees protobuf).
#ifndef QUANTC_IR_ONNX_UPGRADE_H_
#define QUANTC_IR_ONNX_UPGRADE_H_

#include <cstdint>

#include "absl/status/status.h"
#include "onnx/onnx_pb.h"

namespace quantc {

/// The model's ai.onnx opset version, or 0 when it imports none.
int64_t DefaultOpset(const onnx::ModelProto& m);

/// Unimplemented, naming the node, when `m` imports an ai.onnx opset below
/// `target` and uses an op that opset `target` no longer has (experimental
/// ops such as Affine or Crop). Needs no checked model: run it first.
absl::Status CheckOpsSurvive(const onnx::ModelProto& m, int64_t target);

/// When `m` imports an ai.onnx opset below `target`, rewrites it in place to
/// `target` with onnx::version_conversion::ConvertVersion; otherwise leaves
/// it alone. `m` must already pass the ONNX checker at its own opset.
/// Unimplemented, naming the node, when the converter cannot upgrade an op
/// (CheckOpsSurvive's cases, an op without an adapter, an attribute form an
/// adapter does not handle).
absl::Status UpgradeOldOpset(onnx::ModelProto& m, int64_t target);

}  // namespace quantc

#endif  // QUANTC_IR_ONNX_UPGRADE_H_
