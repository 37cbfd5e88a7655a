// The kernel table: one explicit list of {op_type, min_opset, fn} (no static
// self-registration, so every kernel is visible with grep and nothing is
// dropped by the linker).
#ifndef QUANTC_IR_KERNELS_REGISTRY_H_
#define QUANTC_IR_KERNELS_REGISTRY_H_

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "ir/kernels/kernel.h"

namespace quantc {
namespace kernels {

struct KernelEntry {
  const char* op_type;
  /// First ai.onnx opset this form of the op applies to. An op whose inputs
  /// or attributes changed form has one entry per form.
  int min_opset;
  KernelFn fn;
  /// float16/bfloat16 inputs are widened to float32 around `fn` and float
  /// outputs rounded back (for ops whose 16-bit semantics are exactly that).
  bool widen_half;
};

/// All entries, sorted by (op_type, min_opset).
absl::Span<const KernelEntry> KernelTable();

/// The entry for `op_type` with the largest min_opset <= opset, or nullptr.
/// `*any` (if given) tells whether the op exists at some other opset.
const KernelEntry* FindKernel(absl::string_view op_type, int64_t opset, bool* any = nullptr);

}  // namespace kernels
}  // namespace quantc

#endif  // QUANTC_IR_KERNELS_REGISTRY_H_
