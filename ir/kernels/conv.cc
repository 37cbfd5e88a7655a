// Conv (float32/float64; 1-D to 3-D; groups, dilations, strides, pads,
// auto_pad).
//
// Strategy, per image and group: im2col then one GEMM,
//   Y_g[Mg x P] = W_g[Mg x Cg*k] * col[Cg*k x P]     (P output positions)
// which puts all the arithmetic in the blocked Sgemm. 1x1 stride-1 convs
// skip im2col (the input already is the col matrix), and im2col writes
// straight into the GEMM's packed-B layout. Depthwise convs (one input
// channel per group) use a direct loop instead: their GEMM would have one
// or two rows, wasting the register tile, while the direct form streams
// each input row once per tap.
//
// Accumulation order (both paths): for each output element, one FMA chain
// over (c, kd, kh, kw) ascending, starting from +0, then + bias. Taps that
// read padding contribute fma(w, 0, acc) = acc.
#include <algorithm>
#include <vector>

#include "ir/kernels/kernel.h"
#include "ir/kernels/kernels.h"
#include "ir/kernels/sgemm.h"
#include "ir/kernels/vec.h"
#include "ir/kernels/window.h"
#include "util/status_macros.h"

namespace quantc {
namespace kernels {
namespace {

// Direct depthwise conv for one (image, output channel): `in` is the one
// input channel, `wk` its kernel_size taps, `out` the output plane. The
// channel is first copied into a zero-padded plane so that every tap of
// every output is an in-bounds read; then each output row is one ConvRow
// call with all taps accumulated in registers.
void DepthwisePlane(const float* in, const float* wk, const Window& w, float* out) {
  const int64_t PD = w.in[0] + w.pad_begin[0] + w.pad_end[0];
  const int64_t PH = w.in[1] + w.pad_begin[1] + w.pad_end[1];
  const int64_t PW = w.in[2] + w.pad_begin[2] + w.pad_end[2];
  thread_local std::vector<float> padded;
  thread_local std::vector<const float*> taps;
  padded.assign(static_cast<size_t>(PD * PH * PW), 0.0f);
  for (int64_t d = 0; d < w.in[0]; ++d) {
    for (int64_t h = 0; h < w.in[1]; ++h) {
      std::copy_n(
          in + (d * w.in[1] + h) * w.in[2], w.in[2],
          padded.data() + ((d + w.pad_begin[0]) * PH + h + w.pad_begin[1]) * PW + w.pad_begin[2]);
    }
  }
  const int64_t ntaps = w.kernel_size();
  taps.resize(static_cast<size_t>(ntaps));
  for (int64_t od = 0; od < w.out[0]; ++od) {
    for (int64_t oh = 0; oh < w.out[1]; ++oh) {
      int64_t t = 0;
      for (int64_t kd = 0; kd < w.kernel[0]; ++kd) {
        for (int64_t kh = 0; kh < w.kernel[1]; ++kh) {
          const float* row = padded.data() + ((od * w.stride[0] + kd * w.dilation[0]) * PH +
                                              oh * w.stride[1] + kh * w.dilation[1]) *
                                                 PW;
          for (int64_t kw = 0; kw < w.kernel[2]; ++kw) taps[t++] = row + kw * w.dilation[2];
        }
      }
      ConvRow(w.out[2], ntaps, wk, taps.data(), w.stride[2], out + (od * w.out[1] + oh) * w.out[2]);
    }
  }
}

// Floats of im2col per column block (512 KiB, half a typical L2).
constexpr int64_t kColBlockFloats = 128 * 1024;

template <typename T>
void RunConv(const ConvShape& s, const T* x, const T* wt, const T* bias, T* y) {
  const Window& w = s.w;
  const int64_t in_size = w.in_size(), out_size = w.out_size(), ksize = w.kernel_size();
  const int64_t kdim = s.cg * ksize;
  const bool pointwise = w.IsPointwise();
  // Reused across calls: calibration runs the same convs thousands of times.
  thread_local std::vector<T> col;
  for (int64_t n = 0; n < s.n; ++n) {
    for (int64_t g = 0; g < s.group; ++g) {
      const T* xg = x + (n * s.c + g * s.cg) * in_size;
      const T* wg = wt + g * s.mg * kdim;
      T* yg = y + (n * s.m + g * s.mg) * out_size;
      if constexpr (std::is_same_v<T, float>) {
        if (s.cg == 1 && s.mg <= 2 && !pointwise) {
          // Depthwise (one input channel per group, small multiplier).
          for (int64_t m = 0; m < s.mg; ++m)
            DepthwisePlane(xg, wg + m * ksize, w, yg + m * out_size);
        } else if (pointwise) {
          Sgemm(s.mg, out_size, kdim, wg, kdim, 1, xg, out_size, 1, yg, out_size);
        } else {
          // im2col a block of output columns at a time, sized so the block
          // (kdim x nb floats) stays in L2 while the GEMM reads it.
          const int64_t nb =
              std::min(out_size,
                       std::max<int64_t>(kSgemmNR, (kColBlockFloats / kdim) / kSgemmNR * kSgemmNR));
          col.resize(static_cast<size_t>(PackedBSize(kdim, nb)));
          for (int64_t j0 = 0; j0 < out_size; j0 += nb) {
            const int64_t cols = std::min(nb, out_size - j0);
            Im2ColPacked(xg, s.cg, w, j0, cols, col.data());
            SgemmPackedB(s.mg, cols, kdim, wg, kdim, 1, col.data(), yg + j0, out_size);
          }
        }
      } else {
        const T* bmat = xg;
        if (!pointwise) {
          col.resize(static_cast<size_t>(kdim * out_size));
          Im2Col<T>(xg, s.cg, w, col.data());
          bmat = col.data();
        }
        Dgemm(s.mg, out_size, kdim, wg, kdim, 1, bmat, out_size, 1, yg, out_size);
      }
    }
  }
  if (bias != nullptr) {
    for (int64_t n = 0; n < s.n; ++n) {
      for (int64_t m = 0; m < s.m; ++m) {
        T* p = y + (n * s.m + m) * out_size;
        const T bv = bias[m];
        for (int64_t i = 0; i < out_size; ++i) p[i] += bv;
      }
    }
  }
}

}  // namespace

KernelResult Conv(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  QC_ASSIGN_OR_RETURN(const Tensor* w, RequireInput(ctx, 1));
  const Tensor* b = ctx.input(2);
  QC_RETURN_IF_ERROR(RequireFloat(*x, "X"));
  if (w->dtype() != x->dtype() || (b && b->dtype() != x->dtype())) {
    return Invalid("X, W and B must have the same element type");
  }
  QC_ASSIGN_OR_RETURN(ConvShape s, MakeConvShape(ctx.node(), *x, *w, b));
  Tensor y(x->dtype(), ConvOutputDims(s));
  DispatchFloat(x->dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    RunConv<T>(s, x->data<T>().data(), w->data<T>().data(), b ? b->data<T>().data() : nullptr,
               y.mutable_data<T>());
    return absl::OkStatus();
  }).IgnoreError();
  return std::vector<Tensor>{std::move(y)};
}

}  // namespace kernels
}  // namespace quantc
