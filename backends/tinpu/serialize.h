// The TINPU backend: checks a lowered graph against the target table and
// serializes it as TI's integer ONNX model.
#ifndef QUANTC_BACKENDS_TINPU_SERIALIZE_H_
#define QUANTC_BACKENDS_TINPU_SERIALIZE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ir/graph.h"

namespace quantc::tinpu {

/// The stage invariant after lower_to_integer: every node is allowed by the
/// target table (target.h IsAllowedNode), except float ops the user keeps
/// (Node::float_op, also set on nodes lowering derives from them), and every
/// tensor is float32 (integers stored as floats) apart from int64 shape
/// constants. Unimplemented lists every offending node at once.
absl::Status CheckTinpuGraph(const Graph& g);

/// CheckTinpuGraph, then ONNX serialization (deterministic).
absl::StatusOr<std::string> SerializeTinpu(const Graph& g);

}  // namespace quantc::tinpu

#endif  // QUANTC_BACKENDS_TINPU_SERIALIZE_H_
