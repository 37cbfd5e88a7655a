#include "ir/kernels/window.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "ir/kernels/kernel.h"
#include "ir/kernels/sgemm.h"

namespace quantc {
namespace kernels {

bool Window::IsPointwise() const {
  for (int d = 0; d < kMaxRank; ++d) {
    if (kernel[d] != 1 || stride[d] != 1 || pad_begin[d] != 0 || pad_end[d] != 0) return false;
  }
  return true;
}

absl::StatusOr<Window> MakeWindow(const Node& node, absl::Span<const int64_t> in_spatial,
                                  absl::Span<const int64_t> kernel, bool ceil_mode) {
  const int rank = static_cast<int>(in_spatial.size());
  if (rank < 1 || rank > Window::kMaxRank) {
    return Unsupported(rank, "-D windows are not supported (1-D to 3-D are)");
  }
  std::vector<int64_t> k = node.GetInts("kernel_shape", {kernel.begin(), kernel.end()});
  std::vector<int64_t> s = node.GetInts("strides", std::vector<int64_t>(rank, 1));
  std::vector<int64_t> d = node.GetInts("dilations", std::vector<int64_t>(rank, 1));
  std::vector<int64_t> p = node.GetInts("pads", std::vector<int64_t>(2 * rank, 0));
  if (static_cast<int>(k.size()) != rank || static_cast<int>(s.size()) != rank ||
      static_cast<int>(d.size()) != rank || static_cast<int>(p.size()) != 2 * rank) {
    return Invalid("kernel_shape ", ShapeStr(k), ", strides ", ShapeStr(s), ", dilations ",
                   ShapeStr(d), " or pads ", ShapeStr(p), " do not match spatial rank ", rank);
  }
  const std::string auto_pad = node.GetString("auto_pad", "NOTSET");
  Window w;
  w.rank = rank;
  const int lead = Window::kMaxRank - rank;
  for (int i = 0; i < rank; ++i) {
    const int j = lead + i;
    if (k[i] < 1 || s[i] < 1 || d[i] < 1) {
      return Invalid("kernel_shape ", ShapeStr(k), ", strides ", ShapeStr(s),
                     " and dilations ", ShapeStr(d), " must be positive");
    }
    w.in[j] = in_spatial[i];
    w.kernel[j] = k[i];
    w.stride[j] = s[i];
    w.dilation[j] = d[i];
    const int64_t dk = (k[i] - 1) * d[i] + 1;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      w.out[j] = (in_spatial[i] + s[i] - 1) / s[i];
      const int64_t total = std::max<int64_t>(0, (w.out[j] - 1) * s[i] + dk - in_spatial[i]);
      const int64_t small = total / 2;
      w.pad_begin[j] = auto_pad == "SAME_UPPER" ? small : total - small;
      w.pad_end[j] = total - w.pad_begin[j];
      continue;
    }
    if (auto_pad == "VALID") {
      p[i] = p[i + rank] = 0;
    } else if (auto_pad != "NOTSET") {
      return Invalid("unknown auto_pad '", auto_pad, "'");
    }
    w.pad_begin[j] = p[i];
    w.pad_end[j] = p[i + rank];
    if (p[i] < 0 || p[i + rank] < 0) return Invalid("pads ", ShapeStr(p), " must be >= 0");
    const int64_t span = in_spatial[i] + p[i] + p[i + rank] - dk;
    if (span < 0) {
      return Invalid("kernel extent ", dk, " exceeds padded input size ",
                     in_spatial[i] + p[i] + p[i + rank], " in spatial dim ", i);
    }
    if (ceil_mode) {
      w.out[j] = (span + s[i] - 1) / s[i] + 1;
      // A window may not start inside the end padding.
      if ((w.out[j] - 1) * s[i] >= in_spatial[i] + p[i]) --w.out[j];
    } else {
      w.out[j] = span / s[i] + 1;
    }
  }
  return w;
}

absl::StatusOr<ConvShape> MakeConvShape(const Node& node, const Tensor& x, const Tensor& w,
                                        const Tensor* b) {
  if (x.rank() < 3 || w.rank() != x.rank()) {
    return Invalid("X ", ShapeStr(x.dims()), " and W ", ShapeStr(w.dims()),
                   " must have the same rank >= 3");
  }
  ConvShape s;
  s.n = x.dims()[0];
  s.c = x.dims()[1];
  s.m = w.dims()[0];
  s.group = node.GetInt("group", 1);
  if (s.group < 1 || s.c % s.group != 0 || s.m % s.group != 0 ||
      w.dims()[1] * s.group != s.c) {
    return Invalid("X ", ShapeStr(x.dims()), " and W ", ShapeStr(w.dims()),
                   " do not match group ", s.group);
  }
  s.cg = s.c / s.group;
  s.mg = s.m / s.group;
  if (b != nullptr && (b->rank() != 1 || b->dims()[0] != s.m)) {
    return Invalid("B ", ShapeStr(b->dims()), " must have shape [", s.m, "]");
  }
  absl::Span<const int64_t> in_spatial(x.dims().data() + 2, x.dims().size() - 2);
  absl::Span<const int64_t> k_spatial(w.dims().data() + 2, w.dims().size() - 2);
  auto win = MakeWindow(node, in_spatial, k_spatial, /*ceil_mode=*/false);
  if (!win.ok()) return win.status();
  s.w = *win;
  const int lead = Window::kMaxRank - s.w.rank;
  for (int i = 0; i < s.w.rank; ++i) {
    if (s.w.kernel[lead + i] != k_spatial[i]) {
      return Invalid("kernel_shape does not match W ", ShapeStr(w.dims()));
    }
  }
  return s;
}

std::vector<int64_t> ConvOutputDims(const ConvShape& s) {
  std::vector<int64_t> dims = {s.n, s.m};
  for (int d = Window::kMaxRank - s.w.rank; d < Window::kMaxRank; ++d) dims.push_back(s.w.out[d]);
  return dims;
}

template <typename T>
void Im2Col(const T* x, int64_t channels, const Window& w, T* col) {
  const int64_t ID = w.in[0], IH = w.in[1], IW = w.in[2];
  const int64_t OD = w.out[0], OH = w.out[1], OW = w.out[2];
  const int64_t out_size = w.out_size();
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t kd = 0; kd < w.kernel[0]; ++kd) {
      for (int64_t kh = 0; kh < w.kernel[1]; ++kh) {
        for (int64_t kw = 0; kw < w.kernel[2]; ++kw) {
          T* dst = col;
          col += out_size;
          // Output columns whose tap lands inside the input row:
          // 0 <= ow*sw - pw + kw*dw < IW.
          const int64_t off_w = kw * w.dilation[2] - w.pad_begin[2];
          int64_t ow_lo = off_w >= 0 ? 0 : (-off_w + w.stride[2] - 1) / w.stride[2];
          int64_t ow_hi = IW - off_w <= 0 ? 0 : (IW - off_w + w.stride[2] - 1) / w.stride[2];
          ow_lo = std::min(ow_lo, OW);
          ow_hi = std::clamp(ow_hi, ow_lo, OW);
          for (int64_t od = 0; od < OD; ++od) {
            const int64_t id = od * w.stride[0] - w.pad_begin[0] + kd * w.dilation[0];
            for (int64_t oh = 0; oh < OH; ++oh, dst += OW) {
              const int64_t ih = oh * w.stride[1] - w.pad_begin[1] + kh * w.dilation[1];
              if (id < 0 || id >= ID || ih < 0 || ih >= IH) {
                std::fill_n(dst, OW, T(0));
                continue;
              }
              const T* row = x + ((c * ID + id) * IH + ih) * IW;
              std::fill_n(dst, ow_lo, T(0));
              if (w.stride[2] == 1) {
                std::memcpy(dst + ow_lo, row + ow_lo + off_w, (ow_hi - ow_lo) * sizeof(T));
              } else {
                for (int64_t ow = ow_lo; ow < ow_hi; ++ow) {
                  dst[ow] = row[ow * w.stride[2] + off_w];
                }
              }
              std::fill(dst + ow_hi, dst + OW, T(0));
            }
          }
        }
      }
    }
  }
}

void Im2ColPacked(const float* x, int64_t channels, const Window& w, float* packed) {
  const int64_t ID = w.in[0], IH = w.in[1], IW = w.in[2];
  const int64_t OD = w.out[0], OH = w.out[1], OW = w.out[2];
  const int64_t n = w.out_size();
  const int64_t k_total = channels * w.kernel_size();
  const int64_t panel = k_total * kSgemmNR;  // floats per packed panel
  const int64_t padded_n = (n + kSgemmNR - 1) / kSgemmNR * kSgemmNR;
  int64_t k = 0;
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t kd = 0; kd < w.kernel[0]; ++kd) {
      for (int64_t kh = 0; kh < w.kernel[1]; ++kh) {
        for (int64_t kw = 0; kw < w.kernel[2]; ++kw, ++k) {
          float* row_base = packed + k * kSgemmNR;
          // Column j of this row lives at row_base[(j / NR) * panel + j % NR].
          auto put = [&](int64_t j, float v) {
            row_base[(j / kSgemmNR) * panel + (j % kSgemmNR)] = v;
          };
          const int64_t off_w = kw * w.dilation[2] - w.pad_begin[2];
          int64_t j = 0;
          for (int64_t od = 0; od < OD; ++od) {
            const int64_t id = od * w.stride[0] - w.pad_begin[0] + kd * w.dilation[0];
            for (int64_t oh = 0; oh < OH; ++oh) {
              const int64_t ih = oh * w.stride[1] - w.pad_begin[1] + kh * w.dilation[1];
              if (id < 0 || id >= ID || ih < 0 || ih >= IH) {
                for (int64_t ow = 0; ow < OW; ++ow) put(j++, 0.0f);
                continue;
              }
              const float* row = x + ((c * ID + id) * IH + ih) * IW;
              for (int64_t ow = 0; ow < OW; ++ow) {
                const int64_t iw = ow * w.stride[2] + off_w;
                put(j++, iw >= 0 && iw < IW ? row[iw] : 0.0f);
              }
            }
          }
          for (; j < padded_n; ++j) put(j, 0.0f);
        }
      }
    }
  }
}

template void Im2Col<float>(const float*, int64_t, const Window&, float*);
template void Im2Col<double>(const double*, int64_t, const Window&, double*);
template void Im2Col<int32_t>(const int32_t*, int64_t, const Window&, int32_t*);

}  // namespace kernels
}  // namespace quantc
