// The ONNX Runtime contrib operators (domain "com.microsoft") quantc
// accepts: the quantized ones ONNX Runtime's QOperator export uses where
// standard ONNX has no QLinear form (QLinearAdd, QLinearGlobalAveragePool,
// ...). They are imported only to be rewritten into standard
// QuantizeLinear/DequantizeLinear form (passes/normalize_qoperator); every
// other com.microsoft operator is rejected at import as unsupported.
#ifndef QUANTC_IR_CONTRIB_OPS_H_
#define QUANTC_IR_CONTRIB_OPS_H_

#include "absl/strings/string_view.h"
#include "ir/graph.h"

namespace quantc {

inline constexpr char kMicrosoftDomain[] = "com.microsoft";

/// Whether `op_type` is one of the accepted com.microsoft ops: QLinearAdd,
/// QLinearMul, QLinearGlobalAveragePool, QLinearAveragePool, QLinearSigmoid,
/// QLinearLeakyRelu, QLinearConcat, QGemm.
bool IsContribQuantizedOp(absl::string_view op_type);

/// The element type of an accepted contrib node's output (ONNX shape
/// inference knows no com.microsoft schema): the type of its output zero
/// point, or of the quantized input it must match; QGemm without y_scale
/// outputs float32. kUndefined when that input's type is unknown.
DType ContribOutputType(const Node& n);

}  // namespace quantc

#endif  // QUANTC_IR_CONTRIB_OPS_H_
