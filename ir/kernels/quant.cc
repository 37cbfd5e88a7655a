// QuantizeLinear and DequantizeLinear (per-tensor from opset 10, per-axis
// from opset 13).
//
//   QuantizeLinear:   y = saturate(round_half_even(x / scale) + zero_point)
//   DequantizeLinear: y = (x - zero_point) * scale
//
// The division is a float32 division (not a multiply by 1/scale), matching
// the spec's reference and ONNX Runtime bit for bit. y's type is the zero
// point's (uint8 when it is omitted); int8, uint8 and (for
// DequantizeLinear) int32 are supported. A NaN input is an error (an integer
// tensor cannot carry it); +-Inf saturates, as the ONNX spec says.
#include <cmath>
#include <limits>
#include <type_traits>

#include "ir/kernels/kernel.h"
#include "ir/kernels/kernels.h"
#include "util/status_macros.h"

namespace quantc {
namespace kernels {
namespace {

// Layout of a per-tensor or per-axis scale: element i of x uses parameter
// (i / inner) % channels.
struct QuantAxis {
  int64_t channels = 1;
  int64_t inner = 1;
};

absl::StatusOr<QuantAxis> ResolveAxis(const KernelContext& ctx, const Tensor& x,
                                      const Tensor& scale, const Tensor* zp) {
  QuantAxis q;
  if (zp != nullptr && zp->dims() != scale.dims()) {
    return Invalid("scale ", ShapeStr(scale.dims()), " and zero point ", ShapeStr(zp->dims()),
                   " must have the same shape");
  }
  if (scale.num_elements() == 1 && scale.rank() <= 1) return q;
  if (ctx.opset() < 13 || scale.rank() != 1) {
    return Invalid("scale must be a scalar", ctx.opset() >= 13 ? " or a 1-D tensor" : "",
                   ", got shape ", ShapeStr(scale.dims()));
  }
  QC_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(ctx.node().GetInt("axis", 1), x.rank()));
  if (x.dims()[axis] != scale.dims()[0]) {
    return Invalid("scale has ", scale.dims()[0], " elements but axis ", axis, " of input ",
                   ShapeStr(x.dims()), " has ", x.dims()[axis]);
  }
  q.channels = scale.dims()[0];
  for (int64_t d = axis + 1; d < x.rank(); ++d) q.inner *= x.dims()[d];
  return q;
}

// std::nearbyint (round half to even in the default rounding mode) without
// the libm call, which kept the quantize loop from vectorizing: adding and
// subtracting 1.5 * 2^23 leaves |v| < 2^22 rounded to an integer by the
// float adder's own ties-to-even. Larger |v|, +-Inf and NaN come back
// unrounded: the callers saturate the first two to the integer range
// (|v| >= 2^22 is far outside it) and test the third, so their results are
// nearbyint's. (-0.4 gives +0 instead of -0, the same integer.)
inline float RoundHalfEvenFast(float v) {
  constexpr float kMagic = 12582912.0f;  // 1.5 * 2^23
  return std::fabs(v) < 4194304.0f ? (v + kMagic) - kMagic : v;
}

template <typename X, typename Q>
void Quantize(const X* x, int64_t n, const float* scale, const Q* zp, const QuantAxis& q, Q* y) {
  constexpr float lo = static_cast<float>(std::numeric_limits<Q>::min());
  constexpr float hi = static_cast<float>(std::numeric_limits<Q>::max());
  // Channel blocks of `inner` elements, in memory order: no per-element
  // division to find the channel.
  const int64_t inner = q.channels == 1 ? n : q.inner;  // per tensor: one block
  for (int64_t start = 0, block = 0; start < n; start += inner, ++block) {
    const int64_t c = block % q.channels;
    const float z = zp ? static_cast<float>(zp[c]) : 0.0f;
    const float s = scale[c];
    for (int64_t i = start; i < start + inner; ++i) {
      float v = RoundHalfEvenFast(static_cast<float>(x[i]) / s);
      v = std::isnan(v) ? z : v + z;
      y[i] = static_cast<Q>(v < lo ? lo : (v > hi ? hi : v));
    }
  }
}

template <typename Q>
void Dequantize(const Q* x, int64_t n, const float* scale, const Q* zp, const QuantAxis& q,
                float* y) {
  const int64_t inner = q.channels == 1 ? n : q.inner;
  for (int64_t start = 0, block = 0; start < n; start += inner, ++block) {
    const int64_t c = block % q.channels;
    const int64_t z = zp ? static_cast<int64_t>(zp[c]) : 0;
    const float s = scale[c];
    for (int64_t i = start; i < start + inner; ++i) {
      y[i] = static_cast<float>(static_cast<int64_t>(x[i]) - z) * s;
    }
  }
}

}  // namespace

KernelResult QuantizeLinear(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  QC_ASSIGN_OR_RETURN(const Tensor* scale, RequireInput(ctx, 1));
  const Tensor* zp = ctx.input(2);
  if (x->dtype() != DType::kFloat32 && x->dtype() != DType::kInt32) {
    return Unsupported("quantizing ", DTypeName(x->dtype()), " input (f32 and i32 are supported)");
  }
  if (scale->dtype() != DType::kFloat32) return Invalid("scale must be f32");
  const DType qt = zp ? zp->dtype() : DType::kUInt8;
  if (qt != DType::kUInt8 && qt != DType::kInt8) {
    return Unsupported("quantizing to ", DTypeName(qt), " (int8 and uint8 are supported)");
  }
  QC_ASSIGN_OR_RETURN(QuantAxis q, ResolveAxis(ctx, *x, *scale, zp));
  if (x->dtype() == DType::kFloat32) {
    // ONNX leaves NaN undefined; an integer model cannot carry it, so a NaN
    // reaching a quantizer is bad input, reported rather than mapped.
    absl::Span<const float> xs = x->data<float>();
    for (size_t i = 0; i < xs.size(); ++i) {
      if (std::isnan(xs[i])) return Invalid("input element ", i, " is NaN; quantization needs numbers");
    }
  }
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(qt, x->dims()));
  auto run = [&](auto xtag, auto qtag) {
    using X = typename decltype(xtag)::type;
    using Q = typename decltype(qtag)::type;
    Quantize<X, Q>(x->data<X>().data(), x->num_elements(), scale->data<float>().data(),
                   zp ? zp->data<Q>().data() : nullptr, q, y.mutable_data<Q>());
  };
  const bool xf = x->dtype() == DType::kFloat32;
  if (qt == DType::kUInt8) {
    xf ? run(TypeTag<float>{}, TypeTag<uint8_t>{}) : run(TypeTag<int32_t>{}, TypeTag<uint8_t>{});
  } else {
    xf ? run(TypeTag<float>{}, TypeTag<int8_t>{}) : run(TypeTag<int32_t>{}, TypeTag<int8_t>{});
  }
  return std::vector<Tensor>{std::move(y)};
}

KernelResult DequantizeLinear(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  QC_ASSIGN_OR_RETURN(const Tensor* scale, RequireInput(ctx, 1));
  const Tensor* zp = ctx.input(2);
  if (scale->dtype() != DType::kFloat32) return Invalid("scale must be f32");
  if (zp != nullptr && zp->dtype() != x->dtype()) {
    return Invalid("zero point type ", DTypeName(zp->dtype()), " differs from input type ",
                   DTypeName(x->dtype()));
  }
  QC_ASSIGN_OR_RETURN(QuantAxis q, ResolveAxis(ctx, *x, *scale, zp));
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(DType::kFloat32, x->dims()));
  auto run = [&](auto tag) {
    using Q = typename decltype(tag)::type;
    Dequantize<Q>(x->data<Q>().data(), x->num_elements(), scale->data<float>().data(),
                  zp ? zp->data<Q>().data() : nullptr, q, y.mutable_data<float>());
  };
  switch (x->dtype()) {
    case DType::kUInt8:
      run(TypeTag<uint8_t>{});
      break;
    case DType::kInt8:
      run(TypeTag<int8_t>{});
      break;
    case DType::kInt32:
      run(TypeTag<int32_t>{});
      break;
    default:
      return Unsupported("dequantizing ", DTypeName(x->dtype()),
                         " input (int8, uint8 and int32 are supported)");
  }
  return std::vector<Tensor>{std::move(y)};
}

}  // namespace kernels
}  // namespace quantc
