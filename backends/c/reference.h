// The C++ reference of the integer program: `quantc run --integer`.
//
// It evaluates an IntProgram exactly as docs/integer-arithmetic.md
// specifies, written for clarity (int64 sums, one loop nest per op). The
// C kernels that `quantc compile` emits implement the same specification
// independently; the tests require the two to agree element for element on
// every fixture's test split, on the host and on an emulated Cortex-M.
#ifndef QUANTC_BACKENDS_C_REFERENCE_H_
#define QUANTC_BACKENDS_C_REFERENCE_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "backends/c/program.h"
#include "ir/tensor.h"

namespace quantc::cbackend {

/// The float-wrapper input quantization (spec §6) of one sample.
std::vector<int8_t> QuantizeInput(const InputQuantizer& q, absl::Span<const float> x);

/// (q - zero_point) * scale in float32 (spec §6).
std::vector<float> DequantizeOutput(const OutputDequantizer& d, absl::Span<const int8_t> q);

class Reference {
 public:
  /// `program` must outlive the Reference.
  explicit Reference(const IntProgram& program);

  /// Runs one sample and returns the int8 output. `input` is float32
  /// (quantized by the program's input quantizer) or int8 (the program's
  /// int8 input as is), with the input's element count.
  absl::StatusOr<std::vector<int8_t>> Run(const Tensor& input);

  /// The values of tensor `t` after the last Run (a view reads its
  /// storage; constants hold their data).
  const std::vector<int8_t>& Values(int t) const { return values_[program_.StorageOf(t)]; }
  /// Replaces the values of tensor `t` (must keep its size), e.g. to run
  /// one op on another evaluator's inputs.
  void SetValues(int t, std::vector<int8_t> v) { values_[program_.StorageOf(t)] = std::move(v); }
  /// Runs op `i` on the current values.
  void RunOp(int i);

 private:
  const IntProgram& program_;
  std::vector<std::vector<int8_t>> values_;  // by storage tensor
};

/// One op of the reference (reference_ops.cc): reads `values` by storage
/// tensor id and writes the op's output storage.
void EvaluateOp(const IntProgram& p, const IntOp& op, std::vector<std::vector<int8_t>>& values);

}  // namespace quantc::cbackend

#endif  // QUANTC_BACKENDS_C_REFERENCE_H_
