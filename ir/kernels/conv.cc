// Conv (float32/float64; 1-D to 3-D; groups, dilations, strides, pads,
// auto_pad).
//
// Strategy, per image and group: im2col then one GEMM,
//   Y_g[Mg x P] = W_g[Mg x Cg*k] * col[Cg*k x P]     (P output positions)
// which puts all the arithmetic in the blocked Sgemm. 1x1 stride-1 convs
// skip im2col (the input already is the col matrix), im2col writes
// straight into the GEMM's packed-B layout, one L2-sized block of columns
// at a time, and inside an Interpreter the packed weights (and the im2col
// table of small outputs) are kept in the node's KernelState. Depthwise convs (one input
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
  if (w.stride[0] == 1 && w.stride[1] == 1 && w.stride[2] == 1) {
    // Unit strides: output (od, oh, ow) reads padded[(od, oh, ow) + tap], so
    // over the flattened padded plane every tap is a constant offset. One
    // long ConvRow computes a "wide" output with PW columns per row (the
    // extra columns are discarded), then the valid columns are copied out.
    int64_t t = 0;
    for (int64_t kd = 0; kd < w.kernel[0]; ++kd) {
      for (int64_t kh = 0; kh < w.kernel[1]; ++kh) {
        for (int64_t kw = 0; kw < w.kernel[2]; ++kw) {
          taps[t++] = padded.data() + (kd * w.dilation[0] * PH + kh * w.dilation[1]) * PW +
                      kw * w.dilation[2];
        }
      }
    }
    const int64_t len = ((w.out[0] - 1) * PH + (w.out[1] - 1)) * PW + w.out[2];
    thread_local std::vector<float> wide;
    wide.resize(static_cast<size_t>(len));
    ConvRow(len, ntaps, wk, taps.data(), 1, wide.data());
    for (int64_t od = 0; od < w.out[0]; ++od) {
      for (int64_t oh = 0; oh < w.out[1]; ++oh) {
        std::copy_n(wide.data() + (od * PH + oh) * PW, w.out[2],
                    out + (od * w.out[1] + oh) * w.out[2]);
      }
    }
    return;
  }
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

// What a Conv node keeps between samples inside an Interpreter: its
// constant weights packed for the GEMM (per group), and the im2col table of
// small outputs. Both are rebuilt if the weights or the geometry change.
struct ConvState : KernelState {
  const char* weights = nullptr;  // raw bytes the packing came from
  std::vector<float> packed_w;    // group after group, PackedASize each
  Window table_window;
  Im2ColTable table;
  bool has_table = false;
};

// Per-call view of the weights in packed form: cached, or packed now.
const float* PackedWeights(const KernelContext& ctx, const ConvShape& s, const float* wt,
                           int64_t kdim, ConvState* st, std::vector<float>& scratch) {
  const int64_t per_group = PackedASize(s.mg, kdim);
  std::vector<float>* dst = &scratch;
  if (st != nullptr && ctx.is_constant(1)) {
    if (st->weights == ctx.input(1)->raw()) return st->packed_w.data();
    st->weights = ctx.input(1)->raw();
    dst = &st->packed_w;
  }
  dst->resize(static_cast<size_t>(per_group * s.group));
  for (int64_t g = 0; g < s.group; ++g) {
    PackAFull(s.mg, kdim, wt + g * s.mg * kdim, kdim, 1, dst->data() + g * per_group);
  }
  return dst->data();
}

// Whether the depthwise path's zero-padded copy of one channel fits the
// scratch cap (huge pads with huge strides give small outputs but would
// make a huge plane; the GEMM path never materializes the padding).
bool PaddedPlaneFits(const Window& w) {
  std::vector<int64_t> plane(Window::kMaxRank);
  for (int d = 0; d < Window::kMaxRank; ++d) plane[d] = w.in[d] + w.pad_begin[d] + w.pad_end[d];
  return CheckShape(DType::kFloat32, plane).ok();
}

void RunConvF32(const KernelContext& ctx, const ConvShape& s, const float* x, const float* wt,
                float* y) {
  const Window& w = s.w;
  const int64_t in_size = w.in_size(), out_size = w.out_size(), ksize = w.kernel_size();
  const int64_t kdim = s.cg * ksize;
  // No output, or no input channels: y stays zero (plus the bias).
  if (out_size == 0 || kdim == 0) return;
  if (s.cg == 1 && s.mg <= 2 && !w.IsPointwise() && PaddedPlaneFits(w)) {
    // Depthwise (one input channel per group, small multiplier).
    for (int64_t n = 0; n < s.n; ++n) {
      for (int64_t m = 0; m < s.m; ++m) {
        const int64_t g = m / s.mg;
        DepthwisePlane(x + (n * s.c + g) * in_size, wt + m * ksize, w,
                       y + (n * s.m + m) * out_size);
      }
    }
    return;
  }
  ConvState* st = nullptr;
  if (ctx.state() != nullptr) {
    st = dynamic_cast<ConvState*>(ctx.state()->get());
    if (st == nullptr) {
      auto fresh = std::make_unique<ConvState>();
      st = fresh.get();
      *ctx.state() = std::move(fresh);
    }
  }
  // Reused across calls: calibration runs the same convs thousands of times.
  thread_local std::vector<float> col, scratch_w;
  const float* pw = PackedWeights(ctx, s, wt, kdim, st, scratch_w);
  const int64_t per_group = PackedASize(s.mg, kdim);
  // im2col a block of output columns at a time, sized so the block
  // (kdim x nb floats) stays in L2 while the GEMM reads it.
  const int64_t nb = std::min(
      out_size, std::max<int64_t>(kSgemmNR, (kColBlockFloats / kdim) / kSgemmNR * kSgemmNR));
  const Im2ColTable* table = nullptr;
  if (st != nullptr && !w.IsPointwise() && nb == out_size && UsesIm2ColTable(w)) {
    if (!st->has_table || st->table_window != w) {
      BuildIm2ColTable(w, 0, nb, &st->table);
      st->table_window = w;
      st->has_table = true;
    }
    table = &st->table;
  }
  col.resize(static_cast<size_t>(PackedBSize(kdim, nb)));
  for (int64_t n = 0; n < s.n; ++n) {
    for (int64_t g = 0; g < s.group; ++g) {
      const float* xg = x + (n * s.c + g * s.cg) * in_size;
      float* yg = y + (n * s.m + g * s.mg) * out_size;
      const float* pwg = pw + g * per_group;
      for (int64_t j0 = 0; j0 < out_size; j0 += nb) {
        const int64_t cols = std::min(nb, out_size - j0);
        if (w.IsPointwise()) {
          // The input already is the col matrix; only its layout changes.
          PackB(kdim, cols, xg + j0, out_size, 1, col.data());
        } else if (table != nullptr) {
          Im2ColPackedFromTable(xg, s.cg, w, *table, col.data());
        } else {
          Im2ColPacked(xg, s.cg, w, j0, cols, col.data());
        }
        SgemmPrepacked(s.mg, cols, kdim, pwg, col.data(), yg + j0, out_size);
      }
    }
  }
}

void RunConvF64(const ConvShape& s, const double* x, const double* wt, double* y) {
  const Window& w = s.w;
  const int64_t in_size = w.in_size(), out_size = w.out_size();
  const int64_t kdim = s.cg * w.kernel_size();
  std::vector<double> col;
  for (int64_t n = 0; n < s.n; ++n) {
    for (int64_t g = 0; g < s.group; ++g) {
      const double* bmat = x + (n * s.c + g * s.cg) * in_size;
      if (!w.IsPointwise()) {
        col.resize(static_cast<size_t>(kdim * out_size));
        Im2Col<double>(bmat, s.cg, w, col.data());
        bmat = col.data();
      }
      Dgemm(s.mg, out_size, kdim, wt + g * s.mg * kdim, kdim, 1, bmat, out_size, 1,
            y + (n * s.m + g * s.mg) * out_size, out_size);
    }
  }
}

template <typename T>
void AddBias(const ConvShape& s, const T* bias, T* y) {
  const int64_t out_size = s.w.out_size();
  for (int64_t n = 0; n < s.n; ++n) {
    for (int64_t m = 0; m < s.m; ++m) {
      T* p = y + (n * s.m + m) * out_size;
      const T bv = bias[m];
      for (int64_t i = 0; i < out_size; ++i) p[i] += bv;
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
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(x->dtype(), ConvOutputDims(s)));
  const int64_t kdim = s.cg * s.w.kernel_size();
  QC_RETURN_IF_ERROR(CheckWork({s.n, s.m, s.w.out_size(), kdim}));
  if (x->dtype() == DType::kFloat32) {
    RunConvF32(ctx, s, x->data<float>().data(), w->data<float>().data(), y.mutable_data<float>());
    if (b != nullptr) AddBias<float>(s, b->data<float>().data(), y.mutable_data<float>());
  } else {
    if (!s.w.IsPointwise()) QC_RETURN_IF_ERROR(CheckScratch(DType::kFloat64, {kdim, s.w.out_size()}));
    RunConvF64(s, x->data<double>().data(), w->data<double>().data(), y.mutable_data<double>());
    if (b != nullptr) AddBias<double>(s, b->data<double>().data(), y.mutable_data<double>());
  }
  return std::vector<Tensor>{std::move(y)};
}

}  // namespace kernels
}  // namespace quantc
