#include "ir/contrib_ops.h"

namespace quantc {
namespace {

// Input layouts (ONNX Runtime's contrib op documentation), and the input
// whose type the output takes:
//   QLinearAdd/QLinearMul(A, A_scale, A_zp, B, B_scale, B_zp, C_scale, C_zp)  C_zp (7)
//   QLinearGlobalAveragePool/QLinearAveragePool/QLinearSigmoid/
//     QLinearLeakyRelu(X, X_scale, X_zp, Y_scale, Y_zp)                         Y_zp (4)
//   QLinearConcat(Y_scale, Y_zp, X1, X1_scale, X1_zp, ...)                       Y_zp (1)
//   QGemm(A, a_scale, a_zp, B, b_scale, b_zp, C, y_scale, y_zp)                  y_zp (8)
// A missing output zero point means the type of the quantized input (A, X).
struct Row {
  const char* op;
  int zero_point;
  int quantized_input;
};
constexpr Row kOps[] = {
    {"QLinearAdd", 7, 0},         {"QLinearMul", 7, 0},     {"QLinearGlobalAveragePool", 4, 0},
    {"QLinearAveragePool", 4, 0}, {"QLinearSigmoid", 4, 0}, {"QLinearLeakyRelu", 4, 0},
    {"QLinearConcat", 1, 2},      {"QGemm", 8, 0},
};

const Row* Find(absl::string_view op) {
  for (const Row& r : kOps) {
    if (op == r.op) return &r;
  }
  return nullptr;
}

}  // namespace

bool IsContribQuantizedOp(absl::string_view op_type) { return Find(op_type) != nullptr; }

DType ContribOutputType(const Node& n) {
  const Row* r = Find(n.op_type());
  if (!r) return DType::kUndefined;
  // QGemm without y_scale dequantizes: a float output.
  if (n.op_type() == "QGemm" && !n.input(7)) return DType::kFloat32;
  const Value* typed =
      n.input(r->zero_point) ? n.input(r->zero_point) : n.input(r->quantized_input);
  return typed ? typed->type().dtype : DType::kUndefined;
}

}  // namespace quantc
