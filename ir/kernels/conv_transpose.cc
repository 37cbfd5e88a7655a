// ConvTranspose (float32/float64; 1-D to 3-D; groups, dilations, strides,
// pads, output_padding, output_shape, auto_pad).
//
// Shapes (per spatial dim, dk = (k - 1) * dilation + 1):
//   explicit pads  out = stride * (in - 1) + output_padding + dk - pad_begin - pad_end
//   output_shape   total = stride * (in - 1) + output_padding + dk - out;
//                  SAME_UPPER: begin = total / 2, else begin = total - total / 2
//   SAME_*         as output_shape with out = in * stride
//
// Computation, per image and group: col = W_g^T * X_g (one GEMM,
// [Mg*k x Cg] * [Cg x P_in]), then col2im scatter-adds every column into
// the output. Each output element therefore sums its contributions in a
// fixed order (output channel row, then tap, then input position), plus
// the bias last.
#include <algorithm>
#include <string>
#include <vector>

#include "ir/kernels/kernel.h"
#include "ir/kernels/kernels.h"
#include "ir/kernels/sgemm.h"
#include "ir/kernels/window.h"
#include "util/status_macros.h"

namespace quantc {
namespace kernels {
namespace {

// Window here describes the *forward* conv that this op transposes: `in`
// is ConvTranspose's output and `out` its input.
absl::StatusOr<Window> TransposeWindow(const Node& node, absl::Span<const int64_t> x_spatial,
                                       absl::Span<const int64_t> k_spatial) {
  const int rank = static_cast<int>(x_spatial.size());
  if (rank < 1 || rank > Window::kMaxRank) {
    return Unsupported(rank, "-D ConvTranspose is not supported (1-D to 3-D are)");
  }
  std::vector<int64_t> k = node.GetInts("kernel_shape", {k_spatial.begin(), k_spatial.end()});
  std::vector<int64_t> s = node.GetInts("strides", std::vector<int64_t>(rank, 1));
  std::vector<int64_t> d = node.GetInts("dilations", std::vector<int64_t>(rank, 1));
  std::vector<int64_t> p = node.GetInts("pads", std::vector<int64_t>(2 * rank, 0));
  std::vector<int64_t> op = node.GetInts("output_padding", std::vector<int64_t>(rank, 0));
  std::vector<int64_t> os = node.GetInts("output_shape");
  // Some exporters give output_shape with the N and C dims; keep the spatial part.
  if (static_cast<int>(os.size()) == rank + 2) os.erase(os.begin(), os.begin() + 2);
  const std::string auto_pad = node.GetString("auto_pad", "NOTSET");
  if (static_cast<int>(k.size()) != rank || static_cast<int>(s.size()) != rank ||
      static_cast<int>(d.size()) != rank || static_cast<int>(p.size()) != 2 * rank ||
      static_cast<int>(op.size()) != rank || (!os.empty() && static_cast<int>(os.size()) != rank)) {
    return Invalid(
        "kernel_shape, strides, dilations, pads, output_padding or output_shape "
        "do not match spatial rank ",
        rank);
  }
  if (k != std::vector<int64_t>(k_spatial.begin(), k_spatial.end())) {
    return Invalid("kernel_shape ", ShapeStr(k), " does not match W");
  }
  Window w;
  w.rank = rank;
  const int lead = Window::kMaxRank - rank;
  for (int i = 0; i < rank; ++i) {
    const int j = lead + i;
    if (s[i] < 1 || d[i] < 1) return Invalid("strides and dilations must be positive");
    // 128-bit arithmetic, then every extent held to kMaxWindowExtent
    // (window.h), so attribute values from a file cannot overflow.
    const WideInt dk = WideInt(k[i] - 1) * d[i] + 1;
    const WideInt full = WideInt(s[i]) * (x_spatial[i] - 1) + op[i] + dk;
    WideInt out, pb, pe;
    if (!os.empty() || auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      out = !os.empty() ? WideInt(os[i]) : WideInt(x_spatial[i]) * s[i];
      // total is negative when output_shape asks for more than the
      // transposed conv covers; the spec's formulas use floor division then
      // (the extra rows go to the end, like output_padding).
      const WideInt total = full - out;
      const WideInt half = total >= 0 ? total / 2 : -((-total + 1) / 2);
      pb = auto_pad == "SAME_UPPER" ? half : total - half;
      pe = total - pb;
    } else {
      if (auto_pad == "VALID") p[i] = p[i + rank] = 0;
      pb = p[i];
      pe = p[i + rank];
      out = full - pb - pe;
    }
    if (out <= 0) {
      return Invalid("output size ", WideStr(out), " in spatial dim ", i, " is not positive");
    }
    if (!WindowExtentOk(dk) || !WindowExtentOk(full) || !WindowExtentOk(out) ||
        !WindowExtentOk(pb) || !WindowExtentOk(pe) || !WindowExtentOk(s[i])) {
      return Invalid("kernel_shape, strides, dilations, pads, output_padding or output_shape "
                     "exceed 2^61 in spatial dim ", i);
    }
    w.pad_begin[j] = static_cast<int64_t>(pb);
    w.pad_end[j] = static_cast<int64_t>(pe);
    w.in[j] = static_cast<int64_t>(out);
    w.out[j] = x_spatial[i];
    w.kernel[j] = k[i];
    w.stride[j] = s[i];
    w.dilation[j] = d[i];
  }
  return w;
}

// y (channels x w.in) += col2im(col), col being (channels * k) x w.out.
template <typename T>
void Col2Im(const T* col, int64_t channels, const Window& w, T* y) {
  const int64_t OD = w.out[0], OH = w.out[1], OW = w.out[2];
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t kd = 0; kd < w.kernel[0]; ++kd) {
      for (int64_t kh = 0; kh < w.kernel[1]; ++kh) {
        for (int64_t kw = 0; kw < w.kernel[2]; ++kw) {
          for (int64_t od = 0; od < OD; ++od) {
            const int64_t id = od * w.stride[0] - w.pad_begin[0] + kd * w.dilation[0];
            for (int64_t oh = 0; oh < OH; ++oh, col += OW) {
              const int64_t ih = oh * w.stride[1] - w.pad_begin[1] + kh * w.dilation[1];
              if (id < 0 || id >= w.in[0] || ih < 0 || ih >= w.in[1]) continue;
              T* row = y + ((c * w.in[0] + id) * w.in[1] + ih) * w.in[2];
              for (int64_t ow = 0; ow < OW; ++ow) {
                const int64_t iw = ow * w.stride[2] - w.pad_begin[2] + kw * w.dilation[2];
                if (iw >= 0 && iw < w.in[2]) row[iw] += col[ow];
              }
            }
          }
        }
      }
    }
  }
}

template <typename T>
void RunConvTranspose(int64_t n_img, int64_t c, int64_t m, int64_t group, const Window& w,
                      const T* x, const T* wt, const T* bias, T* y) {
  const int64_t cg = c / group, mg = m / group, ksize = w.kernel_size();
  const int64_t p_in = w.out_size(), p_out = w.in_size();
  std::vector<T> col(static_cast<size_t>(mg * ksize * p_in));
  std::fill_n(y, n_img * m * p_out, T(0));
  for (int64_t n = 0; n < n_img; ++n) {
    for (int64_t g = 0; g < group; ++g) {
      const T* xg = x + (n * c + g * cg) * p_in;
      const T* wg = wt + g * cg * mg * ksize;  // [cg, mg*ksize]
      // col[i][p] = sum_c W[c][i] * X[c][p]: A is W_g transposed.
      if constexpr (std::is_same_v<T, float>) {
        Sgemm(mg * ksize, p_in, cg, wg, 1, mg * ksize, xg, p_in, 1, col.data(), p_in);
      } else {
        Dgemm(mg * ksize, p_in, cg, wg, 1, mg * ksize, xg, p_in, 1, col.data(), p_in);
      }
      Col2Im<T>(col.data(), mg, w, y + (n * m + g * mg) * p_out);
    }
  }
  if (bias != nullptr) {
    for (int64_t n = 0; n < n_img; ++n) {
      for (int64_t o = 0; o < m; ++o) {
        T* p = y + (n * m + o) * p_out;
        for (int64_t i = 0; i < p_out; ++i) p[i] += bias[o];
      }
    }
  }
}

}  // namespace

KernelResult ConvTranspose(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  QC_ASSIGN_OR_RETURN(const Tensor* wt, RequireInput(ctx, 1));
  const Tensor* b = ctx.input(2);
  QC_RETURN_IF_ERROR(RequireFloat(*x, "X"));
  if (wt->dtype() != x->dtype() || (b && b->dtype() != x->dtype())) {
    return Invalid("X, W and B must have the same element type");
  }
  if (x->rank() < 3 || wt->rank() != x->rank()) {
    return Invalid("X ", ShapeStr(x->dims()), " and W ", ShapeStr(wt->dims()),
                   " must have the same rank >= 3");
  }
  const int64_t group = ctx.node().GetInt("group", 1);
  const int64_t c = x->dims()[1];
  if (group < 1 || c % group != 0 || wt->dims()[0] != c) {
    return Invalid("X ", ShapeStr(x->dims()), " and W ", ShapeStr(wt->dims()),
                   " do not match group ", group);
  }
  QC_ASSIGN_OR_RETURN(const int64_t m, CheckedMul(wt->dims()[1], group));
  if (b != nullptr && (b->rank() != 1 || b->dims()[0] != m)) {
    return Invalid("B ", ShapeStr(b->dims()), " must have shape [", m, "]");
  }
  absl::Span<const int64_t> x_spatial(x->dims().data() + 2, x->dims().size() - 2);
  absl::Span<const int64_t> k_spatial(wt->dims().data() + 2, wt->dims().size() - 2);
  QC_ASSIGN_OR_RETURN(Window w, TransposeWindow(ctx.node(), x_spatial, k_spatial));
  std::vector<int64_t> dims = {x->dims()[0], m};
  for (int d = Window::kMaxRank - w.rank; d < Window::kMaxRank; ++d) dims.push_back(w.in[d]);
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(x->dtype(), dims));
  const int64_t mg_k = wt->dims()[1] * w.kernel_size();  // one W row: elements of W
  QC_RETURN_IF_ERROR(CheckWork({x->dims()[0], c, mg_k, w.out_size()}));
  QC_RETURN_IF_ERROR(CheckScratch(x->dtype(), {mg_k, w.out_size()}));
  DispatchFloat(x->dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    RunConvTranspose<T>(x->dims()[0], c, m, group, w, x->data<T>().data(), wt->data<T>().data(),
                        b ? b->data<T>().data() : nullptr, y.mutable_data<T>());
    return absl::OkStatus();
  }).IgnoreError();
  return std::vector<Tensor>{std::move(y)};
}

}  // namespace kernels
}  // namespace quantc
