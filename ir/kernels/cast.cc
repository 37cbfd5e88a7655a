// Cast and CastLike, and the CastTensor utility other kernels use to widen
// 16-bit floats.
//
// Conversion rules (ONNX leaves out-of-range results undefined; quantc
// pins them down so that results never depend on the compiler):
//   float -> int     truncate toward zero; NaN and values outside int64
//                    give INT64_MIN, then the low bits are kept (what x86
//                    and numpy produce)
//   int -> narrower  two's complement wrap
//   any -> bool      value != 0
//   f16/bf16         widened to/narrowed from float32, round to nearest even
//   -> string        shortest round-trip decimal (like numpy's str())
//   string ->        strtod/strtoll; unparsable text is InvalidArgument
#include <cmath>
#include <cstdlib>
#include <type_traits>

#include "fmt/format.h"
#include "ir/kernels/half.h"
#include "ir/kernels/kernel.h"
#include "ir/kernels/kernels.h"
#include "util/status_macros.h"

namespace quantc {
namespace kernels {
namespace {

// Calls f(TypeTag<T>) for the plain C++ types (numeric and bool).
template <typename F>
absl::Status DispatchPlain(DType dt, F&& f) {
  if (dt == DType::kBool) return f(TypeTag<bool>{});
  return DispatchNumeric(dt, f);
}

absl::StatusOr<Tensor> CastPlain(const Tensor& x, DType to) {
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(to, x.dims()));
  QC_RETURN_IF_ERROR(DispatchPlain(x.dtype(), [&](auto ts) {
    using S = typename decltype(ts)::type;
    return DispatchPlain(to, [&](auto td) {
      using D = typename decltype(td)::type;
      auto in = x.data<S>();
      D* out = y.mutable_data<D>();
      for (size_t i = 0; i < in.size(); ++i) out[i] = ConvertNumber<D, S>(in[i]);
      return absl::OkStatus();
    });
  }));
  return y;
}

absl::StatusOr<Tensor> ToStrings(const Tensor& x) {
  std::vector<std::string> s(x.num_elements());
  QC_RETURN_IF_ERROR(DispatchPlain(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    auto in = x.data<T>();
    for (size_t i = 0; i < in.size(); ++i) {
      if constexpr (std::is_same_v<T, bool>) {
        s[i] = in[i] ? "1" : "0";
      } else if constexpr (std::is_floating_point_v<T>) {
        // fmt's default float format is the shortest string that reads
        // back to the same value; spell non-finite values like numpy.
        if (std::isnan(in[i])) {
          s[i] = "NaN";
        } else if (std::isinf(in[i])) {
          s[i] = in[i] > 0 ? "INF" : "-INF";
        } else {
          s[i] = fmt::format("{}", in[i]);
        }
      } else {
        s[i] = fmt::format("{}", in[i]);
      }
    }
    return absl::OkStatus();
  }));
  return Tensor::Strings(x.dims(), std::move(s));
}

absl::StatusOr<Tensor> FromStrings(const Tensor& x, DType to) {
  // Parse through double (floats, bool) or int64 (integers) first.
  const bool integral = to != DType::kFloat32 && to != DType::kFloat64 && to != DType::kBool;
  QC_ASSIGN_OR_RETURN(Tensor wide, Tensor::Create(integral ? DType::kInt64 : DType::kFloat64, x.dims()));
  const auto& strs = x.strings();
  for (size_t i = 0; i < strs.size(); ++i) {
    const char* begin = strs[i].c_str();
    char* end = nullptr;
    if (integral) {
      wide.mutable_data<int64_t>()[i] = std::strtoll(begin, &end, 10);
    } else {
      wide.mutable_data<double>()[i] = std::strtod(begin, &end);
    }
    if (end == begin || *end != '\0') {
      return Invalid("cannot parse '", strs[i], "' as ", DTypeName(to));
    }
  }
  return CastPlain(wide, to);
}

}  // namespace

absl::StatusOr<Tensor> CastTensor(const Tensor& x, DType to) {
  const DType from = x.dtype();
  if (from == to) return x;
  if (from == DType::kString) {
    if (to == DType::kFloat16 || to == DType::kBFloat16) {
      QC_ASSIGN_OR_RETURN(Tensor f, FromStrings(x, DType::kFloat32));
      return CastTensor(f, to);
    }
    return FromStrings(x, to);
  }
  if (from == DType::kFloat16 || from == DType::kBFloat16) {
    QC_ASSIGN_OR_RETURN(Tensor f, Tensor::Create(DType::kFloat32, x.dims()));
    auto in = x.data<uint16_t>();
    float* out = f.mutable_data<float>();
    for (size_t i = 0; i < in.size(); ++i) {
      out[i] = from == DType::kFloat16 ? HalfToFloat(in[i]) : BFloat16ToFloat(in[i]);
    }
    return CastTensor(f, to);
  }
  if (to == DType::kFloat16 || to == DType::kBFloat16) {
    QC_ASSIGN_OR_RETURN(Tensor f, CastTensor(x, DType::kFloat32));
    QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(to, x.dims()));
    auto in = f.data<float>();
    uint16_t* out = y.mutable_data<uint16_t>();
    for (size_t i = 0; i < in.size(); ++i) {
      out[i] = to == DType::kFloat16 ? FloatToHalf(in[i]) : FloatToBFloat16(in[i]);
    }
    return y;
  }
  if (to == DType::kString) return ToStrings(x);
  return CastPlain(x, to);
}

KernelResult Cast(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  const Attribute* to = ctx.node().FindAttr("to");
  if (to == nullptr || to->kind != Attribute::Kind::kInt) {
    return Invalid("attribute 'to' is required");
  }
  absl::StatusOr<DType> dt_or = DTypeFromCode(to->i);
  if (!dt_or.ok()) {
    return absl::Status(dt_or.status().code(),
                        absl::StrCat("attribute 'to': ", dt_or.status().message()));
  }
  const DType dt = *dt_or;
  QC_ASSIGN_OR_RETURN(Tensor y, CastTensor(*x, dt));
  return std::vector<Tensor>{std::move(y)};
}

KernelResult CastLike(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  QC_ASSIGN_OR_RETURN(const Tensor* like, RequireInput(ctx, 1));
  QC_ASSIGN_OR_RETURN(Tensor y, CastTensor(*x, like->dtype()));
  return std::vector<Tensor>{std::move(y)};
}

}  // namespace kernels
}  // namespace quantc
