// Integer matrix ops: MatMulInteger, QLinearMatMul, ConvInteger,
// QLinearConv (opset 10).
//
// All four first widen their 8-bit operands to int32 with the zero point
// subtracted, then accumulate exactly in int32 (wrapping on overflow,
// which the spec allows only for K > ~33000):
//   acc = sum_k (a - a_zp) * (b - b_zp)      (+ int32 bias for QLinearConv)
// The QLinear ops then requantize like ONNX Runtime:
//   y = saturate(round_half_even(float(acc) * (a_scale * b_scale / y_scale)) + y_zp)
// with the multiplier computed in float32. Zero points and scales are
// per tensor, or per row of A / per column of B (MatMul) and per output
// channel (Conv weights).
#include <cmath>
#include <limits>
#include <vector>

#include "ir/kernels/broadcast.h"
#include "ir/kernels/kernel.h"
#include "ir/kernels/kernels.h"
#include "ir/kernels/window.h"
#include "util/status_macros.h"

namespace quantc {
namespace kernels {
namespace {

// Returns x as int32 with zp subtracted; zero point k applies to element i
// when k == (i / inner) % groups (groups == 1: per tensor).
absl::StatusOr<std::vector<int32_t>> Widen(const Tensor& x, const Tensor* zp, int64_t groups,
                                           int64_t inner, absl::string_view what) {
  if (x.dtype() != DType::kUInt8 && x.dtype() != DType::kInt8) {
    return Unsupported(what, " has element type ", DTypeName(x.dtype()),
                       " (int8 and uint8 are supported)");
  }
  if (zp != nullptr && zp->dtype() != x.dtype()) {
    return Invalid(what, " zero point type ", DTypeName(zp->dtype()), " differs from ",
                   DTypeName(x.dtype()));
  }
  std::vector<int32_t> out(x.num_elements());
  std::vector<int32_t> z(groups, 0);
  if (zp != nullptr) {
    const int64_t nz = zp->num_elements();
    if (nz != 1 && nz != groups) {
      return Invalid(what, " zero point has ", nz, " elements; expected 1 or ", groups);
    }
    for (int64_t g = 0; g < groups; ++g)
      z[g] = static_cast<int32_t>(zp->GetAsDouble(nz == 1 ? 0 : g));
  }
  auto fill = [&](auto tag) {
    using T = typename decltype(tag)::type;
    auto in = x.data<T>();
    for (size_t i = 0; i < in.size(); ++i) {
      out[i] = static_cast<int32_t>(in[i]) - z[(static_cast<int64_t>(i) / inner) % groups];
    }
  };
  x.dtype() == DType::kUInt8 ? fill(TypeTag<uint8_t>{}) : fill(TypeTag<int8_t>{});
  return out;
}

// C (m x n) = A (m x k) * B (k x n), all row-major, wrapping int32 sums.
void IntGemm(int64_t m, int64_t n, int64_t k, const int32_t* a, const int32_t* b, int32_t* c) {
  std::vector<uint32_t> row(n);
  for (int64_t i = 0; i < m; ++i) {
    std::fill(row.begin(), row.end(), 0u);
    for (int64_t p = 0; p < k; ++p) {
      const uint32_t av = static_cast<uint32_t>(a[i * k + p]);
      const int32_t* bp = b + p * n;
      for (int64_t j = 0; j < n; ++j) row[j] += av * static_cast<uint32_t>(bp[j]);
    }
    for (int64_t j = 0; j < n; ++j) c[i * n + j] = static_cast<int32_t>(row[j]);
  }
}

// Per-element float32 scale list (one element or `n`).
absl::StatusOr<std::vector<float>> Scales(const Tensor& t, int64_t n, absl::string_view what) {
  if (t.dtype() != DType::kFloat32) return Invalid(what, " must be f32");
  const int64_t ne = t.num_elements();
  if (ne != 1 && ne != n) return Invalid(what, " has ", ne, " elements; expected 1 or ", n);
  std::vector<float> s(n);
  for (int64_t i = 0; i < n; ++i) s[i] = t.data<float>()[ne == 1 ? 0 : i];
  return s;
}

// Writes saturate(round(acc * mult) + zp) as y_zp's type.
absl::StatusOr<Tensor> Requantize(const std::vector<int32_t>& acc, std::vector<int64_t> dims,
                                  const Tensor& y_zp, int64_t inner, int64_t rows,
                                  const std::vector<float>& row_mult, int64_t cols,
                                  const std::vector<float>& col_mult) {
  if (y_zp.num_elements() != 1) return Invalid("y_zero_point must be a scalar");
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(y_zp.dtype(), std::move(dims)));
  auto run = [&](auto tag) {
    using Q = typename decltype(tag)::type;
    const float z = static_cast<float>(y_zp.data<Q>()[0]);
    constexpr float lo = std::numeric_limits<Q>::min(), hi = std::numeric_limits<Q>::max();
    Q* out = y.mutable_data<Q>();
    for (size_t i = 0; i < acc.size(); ++i) {
      const int64_t r = (static_cast<int64_t>(i) / inner) % rows;
      const int64_t c = static_cast<int64_t>(i) % cols;
      float v = std::nearbyint(static_cast<float>(acc[i]) * (row_mult[r] * col_mult[c])) + z;
      // NaN (a zero or NaN scale) has no integer; it saturates low.
      out[i] = static_cast<Q>(!(v >= lo) ? lo : (v > hi ? hi : v));
    }
  };
  if (y_zp.dtype() == DType::kUInt8) {
    run(TypeTag<uint8_t>{});
  } else if (y_zp.dtype() == DType::kInt8) {
    run(TypeTag<int8_t>{});
  } else {
    return Unsupported("output type ", DTypeName(y_zp.dtype()));
  }
  return y;
}

struct IntMatMul {
  std::vector<int64_t> out_dims;
  int64_t m = 0, n = 0, k = 0;
  std::vector<int32_t> acc;
};

// Shared by MatMulInteger and QLinearMatMul: 2-D or batched A x B.
absl::StatusOr<IntMatMul> RunIntMatMul(const Tensor& a, const Tensor* a_zp, const Tensor& b,
                                       const Tensor* b_zp) {
  if (a.rank() < 2 || b.rank() < 2) {
    return Unsupported("integer MatMul of 1-D operands");
  }
  IntMatMul r;
  r.m = a.dims()[a.rank() - 2];
  r.k = a.dims().back();
  r.n = b.dims().back();
  if (b.dims()[b.rank() - 2] != r.k) {
    return Invalid("inner dims differ: ", ShapeStr(a.dims()), " x ", ShapeStr(b.dims()));
  }
  std::vector<int64_t> ab(a.dims().begin(), a.dims().end() - 2);
  std::vector<int64_t> bb(b.dims().begin(), b.dims().end() - 2);
  QC_ASSIGN_OR_RETURN(std::vector<int64_t> batch, BroadcastShapes(ab, bb));
  if (ab != batch && NumElements(ab) != 1) return Unsupported("broadcasting A's batch dims");
  if (bb != batch && NumElements(bb) != 1) return Unsupported("broadcasting B's batch dims");
  // Per-row zero points of A repeat every k elements; per-column ones of B
  // every element.
  QC_ASSIGN_OR_RETURN(std::vector<int32_t> wa,
                      Widen(a, a_zp, a_zp && a_zp->num_elements() > 1 ? r.m : 1, r.k, "A"));
  QC_ASSIGN_OR_RETURN(std::vector<int32_t> wb,
                      Widen(b, b_zp, b_zp && b_zp->num_elements() > 1 ? r.n : 1, 1, "B"));
  r.out_dims = batch;
  r.out_dims.push_back(r.m);
  r.out_dims.push_back(r.n);
  QC_RETURN_IF_ERROR(CheckShape(DType::kInt32, r.out_dims).status());
  const int64_t nb = NumElements(batch);
  QC_RETURN_IF_ERROR(CheckWork({nb, r.m, r.n, r.k}));
  r.acc.resize(nb * r.m * r.n);
  for (int64_t i = 0; i < nb; ++i) {
    const int32_t* pa = wa.data() + (NumElements(ab) == 1 ? 0 : i) * r.m * r.k;
    const int32_t* pb = wb.data() + (NumElements(bb) == 1 ? 0 : i) * r.k * r.n;
    IntGemm(r.m, r.n, r.k, pa, pb, r.acc.data() + i * r.m * r.n);
  }
  return r;
}

// ConvInteger / QLinearConv core: int32 conv of widened operands plus bias.
absl::StatusOr<std::vector<int32_t>> RunIntConv(const ConvShape& s, const Tensor& x,
                                                const Tensor* x_zp, const Tensor& w,
                                                const Tensor* w_zp, const Tensor* bias) {
  if (x_zp != nullptr && x_zp->num_elements() != 1) {
    return Invalid("x zero point must be a scalar");
  }
  const int64_t ksize = s.w.kernel_size(), kdim = s.cg * ksize;
  const int64_t in_size = s.w.in_size(), out_size = s.w.out_size();
  QC_RETURN_IF_ERROR(CheckShape(DType::kInt32, ConvOutputDims(s)).status());
  QC_RETURN_IF_ERROR(CheckWork({s.n, s.m, out_size, kdim}));
  if (!s.w.IsPointwise()) QC_RETURN_IF_ERROR(CheckScratch(DType::kInt32, {kdim, out_size}));
  QC_ASSIGN_OR_RETURN(std::vector<int32_t> wx, Widen(x, x_zp, 1, 1, "x"));
  QC_ASSIGN_OR_RETURN(std::vector<int32_t> ww,
                      Widen(w, w_zp, w_zp && w_zp->num_elements() > 1 ? s.m : 1, kdim, "w"));
  std::vector<int32_t> acc(s.n * s.m * out_size);
  std::vector<int32_t> col(s.w.IsPointwise() ? 0 : kdim * out_size);
  for (int64_t n = 0; n < s.n; ++n) {
    for (int64_t g = 0; g < s.group; ++g) {
      const int32_t* xg = wx.data() + (n * s.c + g * s.cg) * in_size;
      const int32_t* bmat = xg;
      if (!s.w.IsPointwise()) {
        Im2Col<int32_t>(xg, s.cg, s.w, col.data());
        bmat = col.data();
      }
      IntGemm(s.mg, out_size, kdim, ww.data() + g * s.mg * kdim, bmat,
              acc.data() + (n * s.m + g * s.mg) * out_size);
    }
  }
  if (bias != nullptr) {
    if (bias->dtype() != DType::kInt32) return Invalid("B must be int32");
    const int32_t* b = bias->data<int32_t>().data();
    for (int64_t n = 0; n < s.n; ++n) {
      for (int64_t m = 0; m < s.m; ++m) {
        int32_t* p = acc.data() + (n * s.m + m) * out_size;
        for (int64_t i = 0; i < out_size; ++i) {
          p[i] = static_cast<int32_t>(static_cast<uint32_t>(p[i]) + static_cast<uint32_t>(b[m]));
        }
      }
    }
  }
  return acc;
}

absl::StatusOr<Tensor> Int32Tensor(std::vector<int64_t> dims, const std::vector<int32_t>& v) {
  QC_ASSIGN_OR_RETURN(Tensor t, Tensor::Create(DType::kInt32, std::move(dims)));
  std::copy(v.begin(), v.end(), t.mutable_data<int32_t>());
  return t;
}

}  // namespace

KernelResult MatMulInteger(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* a, RequireInput(ctx, 0));
  QC_ASSIGN_OR_RETURN(const Tensor* b, RequireInput(ctx, 1));
  QC_ASSIGN_OR_RETURN(IntMatMul r, RunIntMatMul(*a, ctx.input(2), *b, ctx.input(3)));
  QC_ASSIGN_OR_RETURN(Tensor y, Int32Tensor(r.out_dims, r.acc));
  return std::vector<Tensor>{std::move(y)};
}

KernelResult QLinearMatMul(const KernelContext& ctx) {
  const Tensor* in[8];
  for (int i = 0; i < 8; ++i) {
    QC_ASSIGN_OR_RETURN(in[i], RequireInput(ctx, i));
  }
  QC_ASSIGN_OR_RETURN(IntMatMul r, RunIntMatMul(*in[0], in[2], *in[3], in[5]));
  QC_ASSIGN_OR_RETURN(std::vector<float> sa, Scales(*in[1], r.m, "a_scale"));
  QC_ASSIGN_OR_RETURN(std::vector<float> sb, Scales(*in[4], r.n, "b_scale"));
  QC_ASSIGN_OR_RETURN(std::vector<float> sy, Scales(*in[6], 1, "y_scale"));
  // Per-row multiplier a_scale / y_scale, per-column b_scale: their product
  // a_scale * b_scale / y_scale must be formed in that order, so fold
  // y_scale into the column factor only when A is per tensor.
  std::vector<float> rows(r.m, 1.0f), cols(r.n, 0.0f);
  // Zero rows: an empty output, and no sa[0] to read.
  if (r.m > 0) {
    for (int64_t j = 0; j < r.n; ++j) cols[j] = sa[0] * sb[j] / sy[0];
    if (in[1]->num_elements() > 1) {
      for (int64_t i = 0; i < r.m; ++i) rows[i] = sa[i] / sy[0];
      for (int64_t j = 0; j < r.n; ++j) cols[j] = sb[j];
    }
  }
  QC_ASSIGN_OR_RETURN(Tensor y, Requantize(r.acc, r.out_dims, *in[7], r.n, r.m, rows, r.n, cols));
  return std::vector<Tensor>{std::move(y)};
}

KernelResult ConvInteger(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  QC_ASSIGN_OR_RETURN(const Tensor* w, RequireInput(ctx, 1));
  QC_ASSIGN_OR_RETURN(ConvShape s, MakeConvShape(ctx.node(), *x, *w, nullptr));
  QC_ASSIGN_OR_RETURN(std::vector<int32_t> acc,
                      RunIntConv(s, *x, ctx.input(2), *w, ctx.input(3), nullptr));
  QC_ASSIGN_OR_RETURN(Tensor y, Int32Tensor(ConvOutputDims(s), acc));
  return std::vector<Tensor>{std::move(y)};
}

KernelResult QLinearConv(const KernelContext& ctx) {
  const Tensor* in[8];
  for (int i = 0; i < 8; ++i) {
    QC_ASSIGN_OR_RETURN(in[i], RequireInput(ctx, i));
  }
  const Tensor* bias = ctx.input(8);
  QC_ASSIGN_OR_RETURN(ConvShape s, MakeConvShape(ctx.node(), *in[0], *in[3], bias));
  QC_ASSIGN_OR_RETURN(std::vector<int32_t> acc, RunIntConv(s, *in[0], in[2], *in[3], in[5], bias));
  QC_ASSIGN_OR_RETURN(std::vector<float> sx, Scales(*in[1], 1, "x_scale"));
  QC_ASSIGN_OR_RETURN(std::vector<float> sw, Scales(*in[4], s.m, "w_scale"));
  QC_ASSIGN_OR_RETURN(std::vector<float> sy, Scales(*in[6], 1, "y_scale"));
  std::vector<float> mult(s.m);
  for (int64_t m = 0; m < s.m; ++m) mult[m] = sx[0] * sw[m] / sy[0];
  QC_ASSIGN_OR_RETURN(Tensor y, Requantize(acc, ConvOutputDims(s), *in[7], s.w.out_size(), s.m,
                                           mult, 1, std::vector<float>{1.0f}));
  return std::vector<Tensor>{std::move(y)};
}

}  // namespace kernels
}  // namespace quantc
