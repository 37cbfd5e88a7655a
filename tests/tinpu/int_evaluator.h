// An independent, exact evaluator for quantc's TINPU integer ONNX models.
//
// The TINPU format (shared/docs/tinpu-format.md) stores integers in float32
// tensors: integer-weight Conv/MatMul, then offset-scale-shift blocks
// Add(offset) -> Mul(mult) -> Mul(2^-shift) -> Floor -> Clip. ONNX Runtime
// and `quantc run` compute them in float32, which is only right while every
// intermediate is an exactly representable integer. This evaluator computes
// what the NPU computes, without floats: it walks the graph's own nodes and
// evaluates each one on exact rationals (tests/tinpu/exact.h):
//
//   * Conv / MatMul / Gemm / ReduceSum / AveragePool sums: int64
//     accumulators over integer operands (a non-integer operand is an
//     error), with an up-front bound that rules out int64 overflow;
//   * Add, Mul: exact. Mul needs a constant operand that is an integer or
//     a power of two (2^k, k of either sign); anything else is an error;
//   * Mul(2^-shift) leaves a power-of-two denominator that the following
//     Floor removes with an arithmetic right shift, so an OSS block computes
//     exactly (x + offset) * mult >> shift;
//   * AveragePool yields window_sum / count; Mul(count) + Round recovers the
//     integer window sum exactly (ONNX Round: half to even);
//   * Clip, Relu, MaxPool compare exactly; Flatten, Reshape, Transpose move
//     elements.
//
// The float input and the input-quantize block. The graph input holds
// real-valued float32 samples, and the input-quantize block's offset
// (2^(shift-1)/mult) is fractional. Every float32 is a dyadic rational, so
// the block is evaluated as exact rational arithmetic on the float32 input
// value and the float32 offset: floor((x + offset) * mult * 2^-shift) with
// no rounding anywhere (x + offset is NOT rounded to float32 first, unlike
// ONNX Runtime). A fractional operand is only accepted in this "float
// domain" (values computed from a graph input without passing a Floor or
// Round); in the integer domain every Add/Clip/Conv/... operand must be an
// integer, so an illegal constant fails loudly instead of being absorbed.
//
// Any op outside {Conv, MatMul, Gemm, Add, Mul, Floor, Round, Clip, Relu,
// MaxPool, AveragePool, ReduceSum, Flatten, Reshape, Transpose} (ai.onnx
// domain) is rejected by Create, listing every such node.
//
// Besides values, the evaluator records per node the largest integer a
// float32 evaluation of that node must hold exactly (|value| for
// elementwise nodes, the sum of |terms| for accumulating nodes): while it
// stays <= 2^24, float32 arithmetic in any summation order equals this
// integer arithmetic (tinpu-format.md §8).
#ifndef QUANTC_TESTS_TINPU_INT_EVALUATOR_H_
#define QUANTC_TESTS_TINPU_INT_EVALUATOR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/node_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "ir/graph.h"
#include "ir/tensor.h"
#include "tests/tinpu/exact.h"

namespace quantc::tinpu {

/// A tensor of exact values.
struct ExactTensor {
  std::vector<int64_t> dims;
  std::vector<Rational> v;
  /// A graph initializer (Mul needs one constant operand).
  bool is_constant = false;
  /// Computed from a float graph input without a Floor/Round in between.
  bool float_domain = false;

  int64_t size() const { return static_cast<int64_t>(v.size()); }
  bool AllIntegers() const;
};

/// The largest float32-held integer of one node over all runs so far.
struct NodePeak {
  std::string node;  ///< Node::Describe()
  double magnitude = 0;
};

/// The op types the evaluator implements.
const std::vector<std::string>& EvaluatorOps();

class IntEvaluator {
 public:
  /// Fails (Unimplemented) listing every node whose op is not supported.
  static absl::StatusOr<std::unique_ptr<IntEvaluator>> Create(const Graph& g);

  /// Evaluates one sample. `inputs` are float32 tensors in graph input
  /// order, with the graph input's element count. Returns the graph
  /// outputs. If `values` is given it receives every node output by value
  /// name.
  absl::StatusOr<std::vector<ExactTensor>> Run(
      absl::Span<const Tensor> inputs,
      absl::flat_hash_map<std::string, ExactTensor>* values = nullptr);

  /// Per node (in graph order, integer-domain nodes only), the largest
  /// integer a float32 evaluation must hold exactly, over all runs.
  const std::vector<NodePeak>& peaks() const { return peaks_; }

 private:
  explicit IntEvaluator(const Graph& g);
  absl::StatusOr<const ExactTensor*> Constant(const Value* v);

  const Graph& g_;
  std::vector<const Node*> nodes_;
  std::vector<NodePeak> peaks_;
  // Node-based: Constant() hands out pointers that must survive later
  // insertions (one node's inputs are gathered before its kernel runs; a
  // flat map's rehash freed them, which --config=asan caught).
  absl::node_hash_map<const Value*, ExactTensor> constants_;
};

/// Converts an exact tensor to float32 (error if a value is not exactly a
/// float32, e.g. a non-integer left in the integer domain).
absl::StatusOr<Tensor> ToFloatTensor(const ExactTensor& t);

/// Whether `op_type` is a float op (a CPU fallback such as Sigmoid or
/// Softmax) the evaluator computes in float rather than exactly.
bool IsFloatFallbackOp(const std::string& op_type);

}  // namespace quantc::tinpu

#endif  // QUANTC_TESTS_TINPU_INT_EVALUATOR_H_
