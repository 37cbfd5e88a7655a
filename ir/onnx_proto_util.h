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

/// Whether an ONNX TensorProto data type has a quantc DType (float8, int4,
/// complex and undefined do not).
bool IsSupportedDataType(int32_t data_type);

/// Converts a TensorProto whose data is inline (raw_data or typed fields).
absl::StatusOr<Tensor> TensorFromProto(const onnx::TensorProto& p);
/// Always writes raw_data (little-endian) except for strings.
void TensorToProto(const Tensor& t, onnx::TensorProto* p);

TensorType TypeFromProto(const onnx::TypeProto& t);
void TypeToProto(const TensorType& t, onnx::TypeProto* p);

}  // namespace quantc

#endif  // QUANTC_IR_ONNX_PROTO_UTIL_H_
