// Lowering of a quantized ONNX model to the integer program
// (backends/c/program.h), following docs/integer-arithmetic.md.
//
// Two source formats, told apart by their nodes:
//   * generic QDQ (`quantc quantize --target=generic`, or any int8 QDQ model
//     of the same shape): every float op sits between DequantizeLinear
//     inputs and a QuantizeLinear output; the pattern around each
//     QuantizeLinear becomes one integer op;
//   * TINPU integer ONNX (`--target=tinpu`, shared/docs/tinpu-format.md):
//     float32 tensors holding integers, each requantization an
//     Add -> Mul -> Mul -> Floor -> Clip block; each block and the op that
//     feeds it become one integer op.
//
// Errors: a float model, an op or pattern without an integer kernel, or
// shapes that are not static give one status listing every offending node
// (Unimplemented) or naming the bad tensor (InvalidArgument).
#ifndef QUANTC_BACKENDS_C_LOWER_H_
#define QUANTC_BACKENDS_C_LOWER_H_

#include "absl/status/statusor.h"
#include "backends/c/program.h"
#include "ir/graph.h"

namespace quantc::cbackend {

/// The integer program of `g` (generic QDQ or TINPU, detected).
absl::StatusOr<IntProgram> LowerToIntProgram(const Graph& g);

/// The two lowerings, for callers that know the format.
absl::StatusOr<IntProgram> LowerQdq(const Graph& g);
absl::StatusOr<IntProgram> LowerTinpu(const Graph& g);

}  // namespace quantc::cbackend

#endif  // QUANTC_BACKENDS_C_LOWER_H_
