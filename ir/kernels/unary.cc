// Unary math: Floor, Ceil, Round, Abs, Neg, Sign, Sqrt, Exp, Log,
// Reciprocal, Erf, Not.
//
// Round is ONNX's "round half to even", which is nearbyint under the
// default floating-point environment (quantc never changes the rounding
// mode). Transcendental functions use the C library in the input's own
// precision.
#include <cmath>
#include <type_traits>

#include "ir/kernels/kernel.h"
#include "ir/kernels/kernels.h"
#include "util/status_macros.h"

namespace quantc {
namespace kernels {
namespace {

// Applies `f` over any numeric tensor; `f` is a generic lambda.
template <typename F>
KernelResult UnaryNumeric(const KernelContext& ctx, F f) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(x->dtype(), x->dims()));
  QC_RETURN_IF_ERROR(DispatchNumeric(x->dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    auto in = x->data<T>();
    T* out = y.mutable_data<T>();
    for (size_t i = 0; i < in.size(); ++i) out[i] = f(in[i]);
    return absl::OkStatus();
  }));
  return std::vector<Tensor>{std::move(y)};
}

}  // namespace

KernelResult Floor(const KernelContext& ctx) {
  return UnaryFloat(ctx, [](auto v) { return std::floor(v); });
}
KernelResult Ceil(const KernelContext& ctx) {
  return UnaryFloat(ctx, [](auto v) { return std::ceil(v); });
}
KernelResult Round(const KernelContext& ctx) {
  return UnaryFloat(ctx, [](auto v) { return std::nearbyint(v); });
}
KernelResult Sqrt(const KernelContext& ctx) {
  return UnaryFloat(ctx, [](auto v) { return std::sqrt(v); });
}
KernelResult Exp(const KernelContext& ctx) {
  return UnaryFloat(ctx, [](auto v) { return std::exp(v); });
}
KernelResult Log(const KernelContext& ctx) {
  return UnaryFloat(ctx, [](auto v) { return std::log(v); });
}
KernelResult Erf(const KernelContext& ctx) {
  return UnaryFloat(ctx, [](auto v) { return std::erf(v); });
}
KernelResult Reciprocal(const KernelContext& ctx) {
  return UnaryFloat(ctx, [](auto v) { return decltype(v)(1) / v; });
}

KernelResult Abs(const KernelContext& ctx) {
  return UnaryNumeric(ctx, [](auto v) -> decltype(v) {
    using T = decltype(v);
    if constexpr (std::is_unsigned_v<T>) {
      return v;
    } else if constexpr (std::is_floating_point_v<T>) {
      return std::fabs(v);
    } else {
      return v < 0 ? WrapSub(T(0), v) : v;  // |INT_MIN| wraps to INT_MIN
    }
  });
}

KernelResult Neg(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  if (x->dtype() == DType::kUInt8 || x->dtype() == DType::kUInt16 || x->dtype() == DType::kUInt32 ||
      x->dtype() == DType::kUInt64) {
    return Unsupported("Neg of unsigned type ", DTypeName(x->dtype()));
  }
  return UnaryNumeric(ctx, [](auto v) -> decltype(v) {
    using T = decltype(v);
    if constexpr (std::is_floating_point_v<T>) {
      return -v;  // keeps the sign of zero
    } else {
      return WrapSub(T(0), v);  // -INT_MIN wraps to INT_MIN
    }
  });
}

KernelResult Sign(const KernelContext& ctx) {
  return UnaryNumeric(ctx, [](auto v) -> decltype(v) {
    using T = decltype(v);
    if constexpr (std::is_signed_v<T>) {
      return static_cast<T>((T(0) < v) - (v < T(0)));
    } else {
      return static_cast<T>(v != 0);
    }
  });
}

KernelResult Not(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  if (x->dtype() != DType::kBool) return Unsupported("Not needs a bool input");
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(DType::kBool, x->dims()));
  auto in = x->data<bool>();
  bool* out = y.mutable_data<bool>();
  for (size_t i = 0; i < in.size(); ++i) out[i] = !in[i];
  return std::vector<Tensor>{std::move(y)};
}

}  // namespace kernels
}  // namespace quantc
