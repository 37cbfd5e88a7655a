#include "ir/kernels/window.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "ir/kernels/kernel.h"
#include "ir/kernels/sgemm.h"
#include "ir/kernels/vec.h"

namespace quantc {
namespace kernels {

std::string WideStr(WideInt v) {
  if (v >= INT64_MIN && v <= INT64_MAX) return absl::StrCat(static_cast<int64_t>(v));
  return v < 0 ? "< -2^63" : "> 2^63";
}

bool WindowExtentOk(WideInt v) { return v >= -kMaxWindowExtent && v <= kMaxWindowExtent; }

bool Window::operator==(const Window& o) const {
  return rank == o.rank && in == o.in && out == o.out && kernel == o.kernel && stride == o.stride &&
         dilation == o.dilation && pad_begin == o.pad_begin && pad_end == o.pad_end;
}

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
  if (auto_pad != "NOTSET" && auto_pad != "VALID" && auto_pad != "SAME_UPPER" &&
      auto_pad != "SAME_LOWER") {
    return Invalid("unknown auto_pad '", auto_pad, "'");
  }
  Window w;
  w.rank = rank;
  const int lead = Window::kMaxRank - rank;
  for (int i = 0; i < rank; ++i) {
    const int j = lead + i;
    if (k[i] < 1 || s[i] < 1 || d[i] < 1) {
      return Invalid("kernel_shape ", ShapeStr(k), ", strides ", ShapeStr(s), " and dilations ",
                     ShapeStr(d), " must be positive");
    }
    // 128-bit arithmetic: no attribute value can overflow it; the results
    // are then held to kMaxWindowExtent.
    const WideInt in = in_spatial[i], st = s[i];
    const WideInt dk = WideInt(k[i] - 1) * d[i] + 1;
    WideInt out, pb, pe;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      out = (in + st - 1) / st;
      const WideInt total = std::max<WideInt>(0, (out - 1) * st + dk - in);
      pb = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      pe = total - pb;
    } else {
      if (auto_pad == "VALID") p[i] = p[i + rank] = 0;
      if (p[i] < 0 || p[i + rank] < 0) return Invalid("pads ", ShapeStr(p), " must be >= 0");
      pb = p[i];
      pe = p[i + rank];
      const WideInt span = in + pb + pe - dk;
      if (span < 0) {
        return Invalid("kernel extent ", WideStr(dk), " exceeds padded input size ",
                       WideStr(in + pb + pe), " in spatial dim ", i);
      }
      out = ceil_mode ? (span + st - 1) / st + 1 : span / st + 1;
      // A window may not start inside the end padding.
      if (ceil_mode && (out - 1) * st >= in + pb) --out;
    }
    if (!WindowExtentOk(dk) || !WindowExtentOk(in + pb + pe) || !WindowExtentOk(st)) {
      return Invalid("kernel_shape ", ShapeStr(k), ", strides ", ShapeStr(s), ", dilations ",
                     ShapeStr(d), " and pads ", ShapeStr(p), " exceed 2^61 in spatial dim ", i);
    }
    w.in[j] = in_spatial[i];
    w.kernel[j] = k[i];
    w.stride[j] = s[i];
    w.dilation[j] = d[i];
    w.pad_begin[j] = static_cast<int64_t>(pb);
    w.pad_end[j] = static_cast<int64_t>(pe);
    w.out[j] = static_cast<int64_t>(out);
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
      w.dims()[1] != s.c / s.group) {
    return Invalid("X ", ShapeStr(x.dims()), " and W ", ShapeStr(w.dims()), " do not match group ",
                   s.group);
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

namespace {

// Appends values to one row of a packed-B matrix, hopping to the next
// panel every kSgemmNR columns.
class PanelRowWriter {
 public:
  PanelRowWriter(float* row_start, int64_t panel_floats) : dst_(row_start), panel_(panel_floats) {}
  void Zeros(int64_t n) {
    while (n > 0) {
      const int64_t c = std::min(n, kSgemmNR - lane_);
      for (int64_t i = 0; i < c; ++i) dst_[lane_ + i] = 0.0f;
      Advance(c);
      n -= c;
    }
  }
  void Copy(const float* src, int64_t stride, int64_t n) {
    while (n > 0) {
      const int64_t c = std::min(n, kSgemmNR - lane_);
      if (stride == 1) {
        for (int64_t i = 0; i < c; ++i) dst_[lane_ + i] = src[i];
      } else {
        for (int64_t i = 0; i < c; ++i) dst_[lane_ + i] = src[i * stride];
      }
      src += c * stride;
      Advance(c);
      n -= c;
    }
  }

 private:
  void Advance(int64_t c) {
    lane_ += c;
    if (lane_ == kSgemmNR) {
      lane_ = 0;
      dst_ += panel_;
    }
  }
  float* dst_;
  int64_t panel_;
  int64_t lane_ = 0;
};

}  // namespace

static_assert(kSgemmNR == 16, "GatherPanels writes 16-column panels");

// The table holds int32 input offsets.
bool UsesIm2ColTable(const Window& w) {
  return w.out[2] < 2 * kSgemmNR && w.in_size() <= INT32_MAX;
}

void BuildIm2ColTable(const Window& w, int64_t j0, int64_t nb, Im2ColTable* table) {
  const int64_t ksize = w.kernel_size();
  table->j0 = j0;
  table->nb = nb;
  table->panels = (nb + kSgemmNR - 1) / kSgemmNR;
  const int64_t row = table->panels * kSgemmNR;
  table->offsets.assign(static_cast<size_t>(ksize * row), -1);
  if (nb == 0) return;
  int64_t t = 0;
  for (int64_t kd = 0; kd < w.kernel[0]; ++kd) {
    for (int64_t kh = 0; kh < w.kernel[1]; ++kh) {
      for (int64_t kw = 0; kw < w.kernel[2]; ++kw, ++t) {
        int32_t* tab = table->offsets.data() + t * row;
        // Walk positions j0.. as (od, oh, ow) counters (no divisions per entry).
        int64_t ow = j0 % w.out[2], oh = (j0 / w.out[2]) % w.out[1];
        int64_t od = j0 / (w.out[2] * w.out[1]);
        for (int64_t j = 0; j < nb; ++j) {
          const int64_t id = od * w.stride[0] - w.pad_begin[0] + kd * w.dilation[0];
          const int64_t ih = oh * w.stride[1] - w.pad_begin[1] + kh * w.dilation[1];
          const int64_t iw = ow * w.stride[2] - w.pad_begin[2] + kw * w.dilation[2];
          if (id >= 0 && id < w.in[0] && ih >= 0 && ih < w.in[1] && iw >= 0 && iw < w.in[2]) {
            tab[j] = static_cast<int32_t>((id * w.in[1] + ih) * w.in[2] + iw);
          }
          if (++ow == w.out[2]) {
            ow = 0;
            if (++oh == w.out[1]) {
              oh = 0;
              ++od;
            }
          }
        }
      }
    }
  }
}

void Im2ColPackedFromTable(const float* x, int64_t channels, const Window& w,
                           const Im2ColTable& table, float* packed) {
  const int64_t ksize = w.kernel_size(), in_size = w.in_size();
  const int64_t panel = channels * ksize * kSgemmNR;
  const int64_t row = table.panels * kSgemmNR;
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t t = 0; t < ksize; ++t) {
      GatherPanels(x + c * in_size, table.offsets.data() + t * row, table.panels, panel,
                   packed + (c * ksize + t) * kSgemmNR);
    }
  }
}

void Im2ColPacked(const float* x, int64_t channels, const Window& w, int64_t j0, int64_t nb,
                  float* packed) {
  if (UsesIm2ColTable(w)) {
    thread_local Im2ColTable table;
    BuildIm2ColTable(w, j0, nb, &table);
    Im2ColPackedFromTable(x, channels, w, table, packed);
    return;
  }
  const int64_t ID = w.in[0], IH = w.in[1], IW = w.in[2];
  const int64_t OH = w.out[1], OW = w.out[2];
  const int64_t k_total = channels * w.kernel_size();
  const int64_t panel = k_total * kSgemmNR;  // floats per packed panel
  const int64_t padded = (nb + kSgemmNR - 1) / kSgemmNR * kSgemmNR;
  const int64_t j1 = j0 + nb;
  int64_t k = 0;
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t kd = 0; kd < w.kernel[0]; ++kd) {
      for (int64_t kh = 0; kh < w.kernel[1]; ++kh) {
        for (int64_t kw = 0; kw < w.kernel[2]; ++kw, ++k) {
          PanelRowWriter out(packed + k * kSgemmNR, panel);
          // Output columns whose tap lands inside the input row:
          // 0 <= ow*sw - pw + kw*dw < IW.
          const int64_t off_w = kw * w.dilation[2] - w.pad_begin[2];
          int64_t ow_lo = off_w >= 0 ? 0 : (-off_w + w.stride[2] - 1) / w.stride[2];
          int64_t ow_hi = IW - off_w <= 0 ? 0 : (IW - off_w + w.stride[2] - 1) / w.stride[2];
          ow_lo = std::min(ow_lo, OW);
          ow_hi = std::clamp(ow_hi, ow_lo, OW);
          // Walk output rows (od, oh) overlapping columns [j0, j1).
          for (int64_t r = j0 / OW; r * OW < j1; ++r) {
            const int64_t od = r / OH, oh = r % OH;
            const int64_t a = std::max(j0 - r * OW, int64_t{0});  // first ow
            const int64_t b = std::min(j1 - r * OW, OW);          // end ow
            const int64_t id = od * w.stride[0] - w.pad_begin[0] + kd * w.dilation[0];
            const int64_t ih = oh * w.stride[1] - w.pad_begin[1] + kh * w.dilation[1];
            if (id < 0 || id >= ID || ih < 0 || ih >= IH) {
              out.Zeros(b - a);
              continue;
            }
            const float* row = x + ((c * ID + id) * IH + ih) * IW;
            const int64_t lo = std::clamp(ow_lo, a, b), hi = std::clamp(ow_hi, lo, b);
            out.Zeros(lo - a);
            out.Copy(row + lo * w.stride[2] + off_w, w.stride[2], hi - lo);
            out.Zeros(b - hi);
          }
          out.Zeros(padded - nb);
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
