// Conversions between protobuf tensors and quantc Tensors, shared by import
// and export (the only two places protobuf may appear).
#ifndef QUANTC_IR_ONNX_PROTO_UTIL_H_
#define QUANTC_IR_ONNX_PROTO_UTIL_H_

#include <string>

#include "absl/status/statusor.h"
#include "ir/graph.h"
#include "ir/tensor.h"
#include "onnx/onnx_pb.h"

namespace quantc {

/// Converts a TensorProto whose data is inline (raw_data or typed fields).
/// The element type must be one quantc knows, the shape must pass
/// CheckShape (ir/tensor.h) before anything is allocated, the data must be
/// exactly the shape's size, and bool data must be 0 or 1.
absl::StatusOr<Tensor> TensorFromProto(const onnx::TensorProto& p);
/// Always writes raw_data (little-endian) except for strings.
void TensorToProto(const Tensor& t, onnx::TensorProto* p);

/// A value's type from a file (graph inputs/outputs, value_info, inferred
/// types): an unknown element type is an error (UNDEFINED, 0, means "not
/// known yet"); so is a shape whose known dims, unknown ones counted as
/// zero, fail CheckStaticShape (no int64 size: nothing downstream could
/// compute with it). Larger than the tensor cap is allowed: a shape does not
/// allocate. A negative dim_value is read as unknown.
absl::StatusOr<TensorType> TypeFromProto(const onnx::TypeProto& t);
void TypeToProto(const TensorType& t, onnx::TypeProto* p);

}  // namespace quantc

#endif  // QUANTC_IR_ONNX_PROTO_UTIL_H_
