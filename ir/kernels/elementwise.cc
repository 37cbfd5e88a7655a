// Binary and variadic arithmetic with numpy broadcasting: Add, Sub, Mul,
// Div, Pow, Mod, Min, Max, Sum, Mean.
//
// Both operands must have the same element type (ONNX's type constraint T),
// except Pow whose exponent may differ. Integer arithmetic wraps like the
// two's complement hardware (ONNX leaves overflow unspecified); integer
// division by zero is an InvalidArgument rather than undefined behaviour.
// Variadic ops fold left to right: Max(a, b, c) = Max(Max(a, b), c).
#include <cmath>
#include <type_traits>

#include "ir/kernels/broadcast.h"
#include "ir/kernels/kernel.h"
#include "ir/kernels/kernels.h"
#include "util/status_macros.h"

namespace quantc {
namespace kernels {
namespace {

enum class ArithOp { kAdd, kSub, kMul, kDiv, kMin, kMax, kMod, kFMod };

template <typename T>
T IntDiv(T a, T b) {
  // The one overflowing case, INT_MIN / -1, wraps to INT_MIN.
  if constexpr (std::is_signed_v<T>) {
    if (b == -1) return WrapSub<T>(0, a);
  }
  return a / b;
}

// Python-style modulus: the result takes the divisor's sign.
template <typename T>
T IntMod(T a, T b) {
  if constexpr (std::is_signed_v<T>) {
    if (b == -1) return 0;
    T r = a % b;
    return (r != 0 && ((r < 0) != (b < 0))) ? static_cast<T>(r + b) : r;
  } else {
    return a % b;
  }
}

template <typename T>
T FloatMax(T a, T b) {
  return (std::isnan(a) || a >= b) ? a : b;
}
template <typename T>
T FloatMin(T a, T b) {
  return (std::isnan(a) || a <= b) ? a : b;
}

template <typename T>
absl::Status ApplyArith(ArithOp op, const BroadcastPlan& plan, const T* a, const T* b, T* y) {
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case ArithOp::kAdd:
        BroadcastBinary(plan, a, b, y, [](T x, T z) { return x + z; });
        break;
      case ArithOp::kSub:
        BroadcastBinary(plan, a, b, y, [](T x, T z) { return x - z; });
        break;
      case ArithOp::kMul:
        BroadcastBinary(plan, a, b, y, [](T x, T z) { return x * z; });
        break;
      case ArithOp::kDiv:
        BroadcastBinary(plan, a, b, y, [](T x, T z) { return x / z; });
        break;
      case ArithOp::kMin:
        BroadcastBinary(plan, a, b, y, FloatMin<T>);
        break;
      case ArithOp::kMax:
        BroadcastBinary(plan, a, b, y, FloatMax<T>);
        break;
      case ArithOp::kFMod:
        BroadcastBinary(plan, a, b, y, [](T x, T z) { return std::fmod(x, z); });
        break;
      case ArithOp::kMod:
        return Invalid("fmod must be 1 for floating-point inputs");
    }
  } else {
    switch (op) {
      case ArithOp::kAdd:
        BroadcastBinary(plan, a, b, y, WrapAdd<T>);
        break;
      case ArithOp::kSub:
        BroadcastBinary(plan, a, b, y, WrapSub<T>);
        break;
      case ArithOp::kMul:
        BroadcastBinary(plan, a, b, y, WrapMul<T>);
        break;
      case ArithOp::kMin:
        BroadcastBinary(plan, a, b, y, [](T x, T z) { return x < z ? x : z; });
        break;
      case ArithOp::kMax:
        BroadcastBinary(plan, a, b, y, [](T x, T z) { return x > z ? x : z; });
        break;
      case ArithOp::kDiv:
      case ArithOp::kMod:
      case ArithOp::kFMod: {
        bool zero = false;
        BroadcastBinary(plan, a, b, y, [&](T x, T z) {
          if (z == 0) {
            zero = true;
            return T(0);
          }
          if (op == ArithOp::kDiv) return IntDiv(x, z);
          if (op == ArithOp::kMod) return IntMod(x, z);
          return std::is_signed_v<T> && z == T(-1) ? T(0) : static_cast<T>(x % z);
        });
        if (zero) return Invalid("integer division by zero");
        break;
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Tensor> Arith(ArithOp op, const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype()) {
    return Invalid("operands have different element types ", DTypeName(a.dtype()), " and ",
                   DTypeName(b.dtype()));
  }
  QC_ASSIGN_OR_RETURN(std::vector<int64_t> dims, BroadcastShapes(a.dims(), b.dims()));
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(a.dtype(), dims));
  BroadcastPlan plan(dims, {a.dims(), b.dims()});
  return DispatchNumeric(a.dtype(), [&](auto tag) -> absl::StatusOr<Tensor> {
    using T = typename decltype(tag)::type;
    QC_RETURN_IF_ERROR(
        ApplyArith<T>(op, plan, a.data<T>().data(), b.data<T>().data(), y.mutable_data<T>()));
    return y;
  });
}

KernelResult BinaryKernel(const KernelContext& ctx, ArithOp op) {
  QC_ASSIGN_OR_RETURN(const Tensor* a, RequireInput(ctx, 0));
  QC_ASSIGN_OR_RETURN(const Tensor* b, RequireInput(ctx, 1));
  QC_ASSIGN_OR_RETURN(Tensor y, Arith(op, *a, *b));
  return std::vector<Tensor>{std::move(y)};
}

KernelResult VariadicKernel(const KernelContext& ctx, ArithOp op) {
  QC_ASSIGN_OR_RETURN(const Tensor* first, RequireInput(ctx, 0));
  Tensor acc = *first;
  for (int i = 1; i < ctx.num_inputs(); ++i) {
    QC_ASSIGN_OR_RETURN(const Tensor* next, RequireInput(ctx, i));
    QC_ASSIGN_OR_RETURN(acc, Arith(op, acc, *next));
  }
  return std::vector<Tensor>{std::move(acc)};
}

}  // namespace

KernelResult Add(const KernelContext& ctx) { return BinaryKernel(ctx, ArithOp::kAdd); }
KernelResult Sub(const KernelContext& ctx) { return BinaryKernel(ctx, ArithOp::kSub); }
KernelResult Mul(const KernelContext& ctx) { return BinaryKernel(ctx, ArithOp::kMul); }
KernelResult Div(const KernelContext& ctx) { return BinaryKernel(ctx, ArithOp::kDiv); }
KernelResult Min(const KernelContext& ctx) { return VariadicKernel(ctx, ArithOp::kMin); }
KernelResult Max(const KernelContext& ctx) { return VariadicKernel(ctx, ArithOp::kMax); }
KernelResult Sum(const KernelContext& ctx) { return VariadicKernel(ctx, ArithOp::kAdd); }

KernelResult Mod(const KernelContext& ctx) {
  return BinaryKernel(ctx, ctx.node().GetInt("fmod", 0) ? ArithOp::kFMod : ArithOp::kMod);
}

KernelResult Mean(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(std::vector<Tensor> sum, VariadicKernel(ctx, ArithOp::kAdd));
  QC_RETURN_IF_ERROR(RequireFloat(sum[0], "input"));
  QC_ASSIGN_OR_RETURN(Tensor n, Tensor::Create(sum[0].dtype(), {}));
  DispatchFloat(sum[0].dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    n.mutable_data<T>()[0] = static_cast<T>(ctx.num_inputs());
    return absl::OkStatus();
  }).IgnoreError();
  QC_ASSIGN_OR_RETURN(Tensor y, Arith(ArithOp::kDiv, sum[0], n));
  return std::vector<Tensor>{std::move(y)};
}

// Pow(X, Y): the exponent may have another numeric type; the result has X's
// type. Computed in double, which is exact for the integer cases ONNX tests
// and correctly rounded to float for float bases.
KernelResult Pow(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* a, RequireInput(ctx, 0));
  QC_ASSIGN_OR_RETURN(const Tensor* b, RequireInput(ctx, 1));
  QC_ASSIGN_OR_RETURN(std::vector<int64_t> dims, BroadcastShapes(a->dims(), b->dims()));
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(a->dtype(), dims));
  BroadcastPlan plan(dims, {a->dims(), b->dims()});
  QC_RETURN_IF_ERROR(DispatchNumeric(a->dtype(), [&](auto ta) {
    using TA = typename decltype(ta)::type;
    return DispatchNumeric(b->dtype(), [&](auto tb) {
      using TB = typename decltype(tb)::type;
      BroadcastBinary(
          plan, a->data<TA>().data(), b->data<TB>().data(), y.mutable_data<TA>(), [](TA x, TB e) {
            return ConvertNumber<TA>(std::pow(static_cast<double>(x), static_cast<double>(e)));
          });
      return absl::OkStatus();
    });
  }));
  return std::vector<Tensor>{std::move(y)};
}

}  // namespace kernels
}  // namespace quantc
