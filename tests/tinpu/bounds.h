// Worst-case magnitudes in a TINPU integer model, for every possible input.
//
// ONNX Runtime evaluates the integer graph in float32, which equals integer
// arithmetic while every intermediate integer is at most 2^24 (and a sum's
// partial sums too; tinpu-format.md §8). The exact evaluator measures the
// largest one on given samples; this analysis bounds it for ALL inputs by
// propagating per-channel magnitude bounds through the graph's nodes:
//
//   * the float graph input is unbounded until the input-quantize block's
//     Clip (the float part of the graph is not integer arithmetic and is
//     not reported);
//   * Conv/MatMul/Gemm: channel m's sum of |terms| is at most
//     sum_k |w[m,k]| * bound(input channel of k) (+ |bias|);
//   * Add/Mul with a per-channel constant: bound + |c|, bound * |c|; a Mul
//     by 2^-k leaves the float32 numerator (the previous bound) in place;
//   * Floor/Round: the bound rounded up; Clip: min(bound, max(|lo|, |hi|));
//     ReduceSum/AveragePool: the bound times the number of summed values;
//   * Relu/MaxPool keep the bound; layout ops keep per-channel bounds when
//     the channel axis survives (e.g. Flatten of [N,C,1,1]), else take the
//     largest.
// The result is an upper bound (the real worst case may be smaller: not
// every combination of extreme inputs is reachable).
#ifndef QUANTC_TESTS_TINPU_BOUNDS_H_
#define QUANTC_TESTS_TINPU_BOUNDS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "ir/graph.h"
#include "tests/tinpu/int_evaluator.h"

namespace quantc::tinpu {

/// Per node in graph order: the worst-case largest integer a float32
/// evaluation of the node holds (0 for float-domain nodes). Unimplemented
/// for ops outside the evaluator's set.
absl::StatusOr<std::vector<NodePeak>> WorstCaseMagnitudes(const Graph& g);

}  // namespace quantc::tinpu

#endif  // QUANTC_TESTS_TINPU_BOUNDS_H_
