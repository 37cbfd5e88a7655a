// What every kernel sees: the node, its concrete inputs and the opset, plus
// the small helpers that most kernels share (axis normalization, reading
// shape-like int tensors, dtype dispatch).
//
// Kernels report errors without the node prefix; EvaluateNode adds
// "node 'x' (Op): " in one place so that every message names the node.
#ifndef QUANTC_IR_KERNELS_KERNEL_H_
#define QUANTC_IR_KERNELS_KERNEL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "ir/graph.h"
#include "util/status_macros.h"
#include "ir/tensor.h"

namespace quantc {
namespace kernels {

/// Data a kernel keeps for one node between runs of an Interpreter, such as
/// constant weights packed once instead of on every sample. Owned by the
/// Interpreter's plan step for that node; never shared between nodes.
class KernelState {
 public:
  virtual ~KernelState() = default;
};

class KernelContext {
 public:
  KernelContext(const Node& node, absl::Span<const Tensor* const> inputs, int64_t opset)
      : node_(node), inputs_(inputs), opset_(opset) {}
  /// Interpreter runs only: the node's state slot and, per input, whether
  /// it is a graph initializer (the very same tensor on every run, kept
  /// alive by the Interpreter, so state derived from it stays valid).
  KernelContext(const Node& node, absl::Span<const Tensor* const> inputs, int64_t opset,
                std::unique_ptr<KernelState>* state, const std::vector<bool>* constant)
      : node_(node), inputs_(inputs), opset_(opset), state_(state), constant_(constant) {}

  const Node& node() const { return node_; }
  int64_t opset() const { return opset_; }
  /// Input `i`, or nullptr when omitted or past the end.
  const Tensor* input(int i) const {
    return i < static_cast<int>(inputs_.size()) ? inputs_[i] : nullptr;
  }
  bool has_input(int i) const { return input(i) != nullptr; }
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  int num_outputs() const { return node_.num_outputs(); }
  /// Whether output `i` exists and is consumed by name (not omitted).
  bool wants_output(int i) const {
    return i < node_.num_outputs() && !node_.output(i)->name().empty();
  }
  /// The node's state slot, or nullptr outside an Interpreter.
  std::unique_ptr<KernelState>* state() const { return state_; }
  /// Whether input `i` is a graph initializer (false outside an Interpreter).
  bool is_constant(int i) const {
    return constant_ != nullptr && i < static_cast<int>(constant_->size()) && (*constant_)[i];
  }

 private:
  const Node& node_;
  absl::Span<const Tensor* const> inputs_;
  int64_t opset_;
  std::unique_ptr<KernelState>* state_ = nullptr;
  const std::vector<bool>* constant_ = nullptr;
};

using KernelResult = absl::StatusOr<std::vector<Tensor>>;
using KernelFn = KernelResult (*)(const KernelContext&);

/// InvalidArgument with the pieces concatenated (the node prefix is added
/// by EvaluateNode).
template <typename... Args>
absl::Status Invalid(const Args&... args) {
  return absl::InvalidArgumentError(absl::StrCat(args...));
}
template <typename... Args>
absl::Status Unsupported(const Args&... args) {
  return absl::UnimplementedError(absl::StrCat(args...));
}

/// Input `i`, or InvalidArgument when it is missing.
absl::StatusOr<const Tensor*> RequireInput(const KernelContext& ctx, int i);

/// Maps `axis` in [-rank, rank) to [0, rank).
absl::StatusOr<int64_t> NormalizeAxis(int64_t axis, int64_t rank);
/// Same for a list; also rejects duplicates.
absl::StatusOr<std::vector<int64_t>> NormalizeAxes(absl::Span<const int64_t> axes, int64_t rank);

/// Elements of an int32/int64 tensor (shapes, axes, indices given as data).
absl::StatusOr<std::vector<int64_t>> ReadInts(const Tensor& t, absl::string_view what);
/// Element 0 of a one-element numeric tensor, converted to double.
absl::StatusOr<double> ReadScalar(const Tensor& t, absl::string_view what);

/// a * b and a + b for sizes and offsets computed from input (attributes,
/// shape tensors): InvalidArgument instead of a wrapped result. Output
/// shapes themselves are checked by Tensor::Create (ir/tensor.h), which
/// every kernel allocates its outputs with.
absl::StatusOr<int64_t> CheckedMul(int64_t a, int64_t b);
absl::StatusOr<int64_t> CheckedAdd(int64_t a, int64_t b);

/// Scratch buffers sized from input (im2col columns, padded planes,
/// accumulators) obey the same cap as tensors (ir/tensor.h CheckShape);
/// beyond it the node is Unimplemented: the model may be valid, but the
/// reference interpreter cannot evaluate it within its limits.
absl::Status CheckScratch(DType dtype, absl::Span<const int64_t> dims);

/// The most inner-loop steps (multiply-accumulates, window taps) one node
/// may take: 2^36 unless changed, about a minute of interpreter time. A
/// node asking for more (a huge kernel over a huge input, say) would look
/// like a hang, so it is Unimplemented instead, naming the count.
/// `factors` multiply to the step count. Like the tensor cap, the limit is
/// process-wide; fuzzers lower it.
absl::Status CheckWork(std::initializer_list<int64_t> factors);
int64_t MaxWorkPerNode();
void SetMaxWorkPerNode(int64_t steps);

/// "[2,3,4]" for messages.
std::string ShapeStr(absl::Span<const int64_t> dims);

/// Row-major strides of `dims`.
std::vector<int64_t> Strides(absl::Span<const int64_t> dims);

/// Tag type for dtype dispatch: `f(TypeTag<T>{})`.
template <typename T>
struct TypeTag {
  using type = T;
};

/// Calls `f(TypeTag<T>{})` with T the C++ type of a float dtype.
template <typename F>
auto DispatchFloat(DType dt, F&& f) -> decltype(f(TypeTag<float>{})) {
  switch (dt) {
    case DType::kFloat32:
      return f(TypeTag<float>{});
    case DType::kFloat64:
      return f(TypeTag<double>{});
    default:
      return Unsupported("element type ", DTypeName(dt), " is not supported");
  }
}

/// Same for any integer dtype.
template <typename F>
auto DispatchInt(DType dt, F&& f) -> decltype(f(TypeTag<float>{})) {
  switch (dt) {
    case DType::kInt8:
      return f(TypeTag<int8_t>{});
    case DType::kUInt8:
      return f(TypeTag<uint8_t>{});
    case DType::kInt16:
      return f(TypeTag<int16_t>{});
    case DType::kUInt16:
      return f(TypeTag<uint16_t>{});
    case DType::kInt32:
      return f(TypeTag<int32_t>{});
    case DType::kUInt32:
      return f(TypeTag<uint32_t>{});
    case DType::kInt64:
      return f(TypeTag<int64_t>{});
    case DType::kUInt64:
      return f(TypeTag<uint64_t>{});
    default:
      return Unsupported("element type ", DTypeName(dt), " is not supported");
  }
}

/// Float or integer dtypes (not bool, string or 16-bit floats).
template <typename F>
auto DispatchNumeric(DType dt, F&& f) -> decltype(f(TypeTag<float>{})) {
  if (dt == DType::kFloat32 || dt == DType::kFloat64) return DispatchFloat(dt, f);
  return DispatchInt(dt, f);
}

/// For kernels that only move elements: calls `f(TypeTag<U>{})` with U an
/// unsigned integer type as wide as one element of `dt` (any dtype but
/// string).
template <typename F>
auto DispatchBySize(DType dt, F&& f) -> decltype(f(TypeTag<uint8_t>{})) {
  switch (DTypeSize(dt)) {
    case 1:
      return f(TypeTag<uint8_t>{});
    case 2:
      return f(TypeTag<uint16_t>{});
    case 4:
      return f(TypeTag<uint32_t>{});
    case 8:
      return f(TypeTag<uint64_t>{});
    default:
      return Unsupported("element type ", DTypeName(dt), " is not supported");
  }
}

/// Integer arithmetic that wraps like two's complement hardware instead of
/// being undefined on signed overflow (ONNX leaves overflow unspecified);
/// for floating-point T these are the plain operations.
template <typename T>
T WrapAdd(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
  } else {
    return a + b;
  }
}
template <typename T>
T WrapSub(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
  } else {
    return a - b;
  }
}
template <typename T>
T WrapMul(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    using U = std::make_unsigned_t<T>;
    // Promote to at least unsigned int so uint16 * uint16 cannot overflow int.
    using P = std::conditional_t<(sizeof(U) < sizeof(unsigned)), unsigned, U>;
    return static_cast<T>(static_cast<P>(static_cast<U>(a)) * static_cast<P>(static_cast<U>(b)));
  } else {
    return a * b;
  }
}

/// One value converted with Cast's rules (see cast.cc): bool is v != 0;
/// float to integer truncates toward zero, NaN and values outside int64
/// give INT64_MIN, then the low bits are kept (what x86 and numpy do), so
/// no float value from a file is undefined behaviour to convert.
template <typename D, typename S>
D ConvertNumber(S v) {
  if constexpr (std::is_same_v<D, bool>) {
    return v != S(0);
  } else if constexpr (std::is_floating_point_v<S> && std::is_integral_v<D>) {
    const double d = static_cast<double>(v);
    if (std::is_unsigned_v<D> && sizeof(D) == 8 && d >= 9223372036854775808.0 &&
        d < 18446744073709551616.0) {
      return static_cast<D>(d);
    }
    const int64_t i = (d >= -9223372036854775808.0 && d < 9223372036854775808.0)
                          ? static_cast<int64_t>(d)
                          : INT64_MIN;
    return static_cast<D>(i);
  } else {
    return static_cast<D>(v);
  }
}

/// Converts to another element type with Cast's rules (see cast.cc).
absl::StatusOr<Tensor> CastTensor(const Tensor& x, DType to);

/// Float32 or float64 input `i`, as a checked precondition of float kernels.
absl::Status RequireFloat(const Tensor& t, absl::string_view what);

/// Applies `f` elementwise over input 0, a float tensor (f32 or f64); the
/// shared body of every unary float kernel (activations, Exp, Sqrt, ...).
template <typename F>
KernelResult UnaryFloat(const KernelContext& ctx, F f) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  QC_RETURN_IF_ERROR(RequireFloat(*x, "input"));
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(x->dtype(), x->dims()));
  DispatchFloat(x->dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    auto in = x->data<T>();
    T* out = y.mutable_data<T>();
    for (size_t i = 0; i < in.size(); ++i) out[i] = f(in[i]);
    return absl::OkStatus();
  }).IgnoreError();
  return std::vector<Tensor>{std::move(y)};
}

}  // namespace kernels
}  // namespace quantc

#endif  // QUANTC_IR_KERNELS_KERNEL_H_
