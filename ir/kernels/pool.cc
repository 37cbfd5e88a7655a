// MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool (1-D to 3-D).
//
// MaxPool ignores padded positions and, when asked, returns Indices: the
// flat position of the max in the whole input tensor (row-major, or with
// the spatial dims transposed when storage_order=1); ties keep the first.
// AveragePool divides by the count of real input elements in the window,
// or with count_include_pad=1 by the window clipped to the padded input
// (a ceil_mode window hanging past the end padding does not count the
// overhang, as in PyTorch and ONNX Runtime). Sums run in window order.
#include <algorithm>
#include <limits>

#include "ir/kernels/kernel.h"
#include "ir/kernels/kernels.h"
#include "ir/kernels/window.h"
#include "util/status_macros.h"

namespace quantc {
namespace kernels {
namespace {

struct PoolShape {
  int64_t planes;  // N * C
  Window w;
  std::vector<int64_t> out_dims;
};

absl::StatusOr<PoolShape> MakePoolShape(const KernelContext& ctx, const Tensor& x) {
  if (x.rank() < 3) return Invalid("X ", ShapeStr(x.dims()), " must have rank >= 3");
  const Attribute* ks = ctx.node().FindAttr("kernel_shape");
  if (ks == nullptr) return Invalid("attribute 'kernel_shape' is required");
  absl::Span<const int64_t> in_spatial(x.dims().data() + 2, x.dims().size() - 2);
  const bool ceil_mode = ctx.node().GetInt("ceil_mode", 0) != 0;
  PoolShape s;
  QC_ASSIGN_OR_RETURN(s.w, MakeWindow(ctx.node(), in_spatial, ks->ints, ceil_mode));
  s.planes = x.dims()[0] * x.dims()[1];
  s.out_dims = {x.dims()[0], x.dims()[1]};
  for (int d = Window::kMaxRank - s.w.rank; d < Window::kMaxRank; ++d) {
    s.out_dims.push_back(s.w.out[d]);
  }
  // kernel_shape comes from an attribute: bound the taps (this also keeps
  // the padded-window product in ForEachWindow far from overflow).
  QC_RETURN_IF_ERROR(CheckWork({s.planes, s.w.out[0], s.w.out[1], s.w.out[2], s.w.kernel[0],
                                s.w.kernel[1], s.w.kernel[2]}));
  return s;
}

// Calls f(out_index, d0, d1, h0, h1, w0, w1) for every output position of
// one plane with the window clipped to the input, plus the window clipped
// to the padded input for count_include_pad.
template <typename F>
void ForEachWindow(const Window& w, F f) {
  int64_t o = 0;
  for (int64_t od = 0; od < w.out[0]; ++od) {
    for (int64_t oh = 0; oh < w.out[1]; ++oh) {
      for (int64_t ow = 0; ow < w.out[2]; ++ow, ++o) {
        std::array<int64_t, 3> pos = {od, oh, ow}, lo, hi;
        int64_t padded = 1;
        for (int d = 0; d < 3; ++d) {
          const int64_t start = pos[d] * w.stride[d] - w.pad_begin[d];
          const int64_t end = start + (w.kernel[d] - 1) * w.dilation[d] + 1;
          padded *=
              (std::min(end, w.in[d] + w.pad_end[d]) - start + w.dilation[d] - 1) / w.dilation[d];
          // First and one-past-last tap indices inside the input.
          lo[d] = start >= 0 ? 0 : (-start + w.dilation[d] - 1) / w.dilation[d];
          hi[d] = std::min(w.kernel[d], (w.in[d] - start + w.dilation[d] - 1) / w.dilation[d]);
          lo[d] = start + lo[d] * w.dilation[d];  // now as input coordinates
          hi[d] = start + hi[d] * w.dilation[d];
        }
        f(o, lo, hi, padded);
      }
    }
  }
}

template <typename T>
void MaxPoolPlanes(const PoolShape& s, const T* x, T* y, int64_t* idx, bool col_major) {
  const Window& w = s.w;
  const int64_t in_size = w.in_size(), out_size = w.out_size();
  for (int64_t p = 0; p < s.planes; ++p) {
    const T* xp = x + p * in_size;
    ForEachWindow(w, [&](int64_t o, const auto& lo, const auto& hi, int64_t) {
      T best = std::numeric_limits<T>::lowest();
      int64_t arg = -1;
      for (int64_t d = lo[0]; d < hi[0]; d += w.dilation[0]) {
        for (int64_t h = lo[1]; h < hi[1]; h += w.dilation[1]) {
          for (int64_t c = lo[2]; c < hi[2]; c += w.dilation[2]) {
            const int64_t i = (d * w.in[1] + h) * w.in[2] + c;
            if (arg < 0 || xp[i] > best) {
              best = xp[i];
              arg = col_major ? (c * w.in[1] + h) * w.in[0] + d : i;
            }
          }
        }
      }
      y[p * out_size + o] = best;
      if (idx != nullptr) idx[p * out_size + o] = p * in_size + arg;
    });
  }
}

template <typename T>
void AvgPoolPlanes(const PoolShape& s, const T* x, T* y, bool include_pad) {
  const Window& w = s.w;
  const int64_t in_size = w.in_size(), out_size = w.out_size();
  for (int64_t p = 0; p < s.planes; ++p) {
    const T* xp = x + p * in_size;
    ForEachWindow(w, [&](int64_t o, const auto& lo, const auto& hi, int64_t padded) {
      T sum = 0;
      int64_t count = 0;
      for (int64_t d = lo[0]; d < hi[0]; d += w.dilation[0]) {
        for (int64_t h = lo[1]; h < hi[1]; h += w.dilation[1]) {
          for (int64_t c = lo[2]; c < hi[2]; c += w.dilation[2]) {
            sum += xp[(d * w.in[1] + h) * w.in[2] + c];
            ++count;
          }
        }
      }
      const int64_t div = include_pad ? padded : count;
      y[p * out_size + o] = div > 0 ? sum / static_cast<T>(div) : T(0);
    });
  }
}

}  // namespace

KernelResult MaxPool(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  QC_ASSIGN_OR_RETURN(PoolShape s, MakePoolShape(ctx, *x));
  const bool col_major = ctx.node().GetInt("storage_order", 0) != 0;
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(x->dtype(), s.out_dims));
  QC_ASSIGN_OR_RETURN(Tensor idx, Tensor::Create(DType::kInt64, ctx.wants_output(1)
                                                                    ? s.out_dims
                                                                    : std::vector<int64_t>{0}));
  int64_t* pidx = ctx.wants_output(1) ? idx.mutable_data<int64_t>() : nullptr;
  // Float types from opset 8, int8/uint8 from opset 12.
  auto run = [&](auto tag) {
    using T = typename decltype(tag)::type;
    MaxPoolPlanes<T>(s, x->data<T>().data(), y.mutable_data<T>(), pidx, col_major);
    return absl::OkStatus();
  };
  if (x->dtype() == DType::kInt8) {
    QC_RETURN_IF_ERROR(run(TypeTag<int8_t>{}));
  } else if (x->dtype() == DType::kUInt8) {
    QC_RETURN_IF_ERROR(run(TypeTag<uint8_t>{}));
  } else {
    QC_RETURN_IF_ERROR(DispatchFloat(x->dtype(), run));
  }
  std::vector<Tensor> out{std::move(y)};
  if (ctx.num_outputs() > 1) out.push_back(pidx ? std::move(idx) : Tensor());
  return out;
}

KernelResult AveragePool(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  QC_RETURN_IF_ERROR(RequireFloat(*x, "X"));
  QC_ASSIGN_OR_RETURN(PoolShape s, MakePoolShape(ctx, *x));
  const bool include_pad = ctx.node().GetInt("count_include_pad", 0) != 0;
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(x->dtype(), s.out_dims));
  DispatchFloat(x->dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    AvgPoolPlanes<T>(s, x->data<T>().data(), y.mutable_data<T>(), include_pad);
    return absl::OkStatus();
  }).IgnoreError();
  return std::vector<Tensor>{std::move(y)};
}

namespace {

KernelResult GlobalPool(const KernelContext& ctx, bool max) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  QC_RETURN_IF_ERROR(RequireFloat(*x, "X"));
  if (x->rank() < 2) return Invalid("X ", ShapeStr(x->dims()), " must have rank >= 2");
  std::vector<int64_t> dims(x->dims().begin(), x->dims().begin() + 2);
  dims.resize(x->dims().size(), 1);
  const int64_t planes = dims[0] * dims[1];
  const int64_t size = planes == 0 ? 0 : x->num_elements() / planes;
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(x->dtype(), dims));
  DispatchFloat(x->dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* px = x->data<T>().data();
    T* py = y.mutable_data<T>();
    for (int64_t p = 0; p < planes; ++p) {
      const T* xp = px + p * size;
      T acc = max ? std::numeric_limits<T>::lowest() : T(0);
      for (int64_t i = 0; i < size; ++i) acc = max ? std::max(acc, xp[i]) : acc + xp[i];
      py[p] = max ? acc : acc / static_cast<T>(size);
    }
    return absl::OkStatus();
  }).IgnoreError();
  return std::vector<Tensor>{std::move(y)};
}

}  // namespace

KernelResult GlobalAveragePool(const KernelContext& ctx) { return GlobalPool(ctx, false); }
KernelResult GlobalMaxPool(const KernelContext& ctx) { return GlobalPool(ctx, true); }

}  // namespace kernels
}  // namespace quantc
