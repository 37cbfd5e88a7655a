// Internal to backends/c: the generic QDQ lowering's state, shared by the
// driver (lower_qdq.cc) and the per-op builders (lower_qdq_ops.cc).
//
// Pattern (one integer op per QuantizeLinear "anchor"):
//
//   DequantizeLinear(x_q) ─┐
//   DequantizeLinear(W_q) ─┼─ Op ─ [Relu | Clip] ─ QuantizeLinear ─ y_q
//   DequantizeLinear(b_q) ─┘
//
// x_q is an int8/uint8 activation (the output of an earlier anchor or the
// quantized graph input), W_q/b_q constants. The activation is fused only
// after Conv/Gemm/MatMul/Add/Mul whose output has no other reader.
#ifndef QUANTC_BACKENDS_C_LOWER_QDQ_H_
#define QUANTC_BACKENDS_C_LOWER_QDQ_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "backends/c/lower_util.h"
#include "backends/c/program.h"
#include "ir/graph.h"

namespace quantc::cbackend {

/// Affine parameters of one QuantizeLinear/DequantizeLinear, per tensor.
struct AffineParams {
  float scale = 1.0f;
  int32_t zero_point = 0;        ///< the model's (int8 or uint8 domain)
  DType storage = DType::kInt8;  ///< kInt8 or kUInt8
  /// Offset from the model's integers to int8 storage: -128 for uint8.
  int32_t storage_offset() const { return storage == DType::kUInt8 ? -128 : 0; }
  int32_t stored_zero_point() const { return zero_point + storage_offset(); }
  bool operator==(const AffineParams& o) const {
    return scale == o.scale && zero_point == o.zero_point && storage == o.storage;
  }
};

/// A DequantizeLinear of a constant: integers with per-tensor or
/// per-channel (along `axis`) parameters.
struct QuantConstant {
  Tensor q;
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  int64_t axis = -1;  ///< -1: per tensor
};

class QdqLowering {
 public:
  explicit QdqLowering(const Graph& g) : g_(g) {}
  absl::StatusOr<IntProgram> Run();

 private:
  // Driver (lower_qdq.cc).
  absl::Status LowerInput();
  void SetInputQuantizer(const AffineParams& a);
  absl::Status LowerOutput();
  void LowerAnchor(const Node& q);
  absl::Status LowerPattern(const Node& q, const Node& p, const Node* act, int out);
  void ConsumeDequantizers();

  // Operands.
  absl::StatusOr<AffineParams> ReadParams(const Node& qdq) const;
  /// The int8 tensor read through DequantizeLinear `v`, or an error.
  absl::StatusOr<int> ActivationIn(const Value* v);
  /// An activation or a per-tensor quantized constant (a flash tensor).
  absl::StatusOr<int> OperandIn(const Value* v);
  absl::StatusOr<QuantConstant> ConstantIn(const Value* v) const;
  int AddTensor(const std::string& name, std::vector<int64_t> dims, const AffineParams& a);
  /// Stored-domain clamp bounds of the anchor's output, narrowed by a fused
  /// Relu/Clip.
  absl::Status ActivationBounds(const Node* act, const AffineParams& out, int32_t* lo,
                                int32_t* hi) const;

  // Per-op builders (lower_qdq_ops.cc). `out` is the output tensor.
  absl::Status Conv(const Node& n, int out, const AffineParams& oq, int32_t lo, int32_t hi);
  absl::Status Gemm(const Node& n, int out, const AffineParams& oq, int32_t lo, int32_t hi);
  absl::Status AddMul(const Node& n, int out, const AffineParams& oq, int32_t lo, int32_t hi);
  /// Add/Mul of an activation (input `x_index`) and a float constant.
  absl::Status FloatConstant(const Node& n, int x_index, const Tensor& c, int out,
                             const AffineParams& oq, int32_t lo, int32_t hi);
  absl::Status MaxPool(const Node& n, int out);
  absl::Status AvgPool(const Node& n, int out, const AffineParams& oq);
  absl::Status Concat(const Node& n, int out, const AffineParams& oq);
  absl::Status Lut(const Node& n, int out, const AffineParams& oq);
  absl::Status Softmax(const Node& n, int out, const AffineParams& oq);
  /// out = in rescaled (and clamped): a requantization or a fused clamp.
  absl::Status Rescale(const std::string& name, int in, int out, int32_t lo, int32_t hi);
  /// Reshape/Flatten/...: a view of the input, rescaled when the output's
  /// parameters differ.
  absl::Status View(const Node& n, int out_params_tensor);

  const Graph& g_;
  IntProgram p_;
  Coverage cov_;
  absl::flat_hash_map<const Value*, int> int_of_;  // int8/uint8 activations
  std::vector<AffineParams> params_;               // per tensor
};

}  // namespace quantc::cbackend

#endif  // QUANTC_BACKENDS_C_LOWER_QDQ_H_
