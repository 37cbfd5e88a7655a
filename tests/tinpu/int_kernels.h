// Exact kernels of the TINPU integer evaluator (see int_evaluator.h for the
// semantics). Internal to tests/tinpu.
#ifndef QUANTC_TESTS_TINPU_INT_KERNELS_H_
#define QUANTC_TESTS_TINPU_INT_KERNELS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "ir/graph.h"
#include "tests/tinpu/int_evaluator.h"

namespace quantc::tinpu {

/// What a kernel sees besides its inputs.
struct KernelContext {
  int64_t opset = 0;
  /// Accumulating kernels raise this to the largest sum of |terms| of one
  /// output element (the magnitude a float32 accumulator must hold).
  double peak = 0;
};

/// One node's inputs (nullptr for an omitted optional input) -> its first
/// output. Errors do not name the node; the caller prefixes it.
using KernelFn = absl::StatusOr<ExactTensor> (*)(const Node& node,
                                                 absl::Span<const ExactTensor* const> in,
                                                 KernelContext& ctx);

/// The kernel for `op_type`, or nullptr.
KernelFn FindKernel(const std::string& op_type);

/// The kernels of the float ops a TINPU model may keep as CPU fallbacks
/// (Sigmoid, Softmax, Tanh), computed in float (float_kernels.cc); nullptr
/// for others.
KernelFn FindFloatKernel(const std::string& op_type);

}  // namespace quantc::tinpu

#endif  // QUANTC_TESTS_TINPU_INT_KERNELS_H_
