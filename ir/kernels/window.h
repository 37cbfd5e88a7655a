// Sliding-window geometry shared by Conv, ConvInteger, QLinearConv,
// ConvTranspose and the pools.
//
// Every window op is handled as 3-D: a 1-D op gets two leading spatial dims
// of size 1 and a 2-D op one, so a single loop nest (and one im2col) serves
// all spatial ranks without a per-rank copy of the code.
//
// Output sizes (dk = (kernel - 1) * dilation + 1, per spatial dim):
//   explicit pads   out = floor((in + pad_begin + pad_end - dk) / stride) + 1
//                   (ceil instead of floor for pools with ceil_mode=1, then
//                   a last window starting beyond in + pad_begin is dropped)
//   VALID           pads 0, same formula
//   SAME_UPPER/     out = ceil(in / stride); the total padding
//   SAME_LOWER      max(0, (out - 1) * stride + dk - in) is split evenly,
//                   the odd element going to the end (UPPER) or begin (LOWER)
#ifndef QUANTC_IR_KERNELS_WINDOW_H_
#define QUANTC_IR_KERNELS_WINDOW_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "ir/graph.h"
#include "ir/tensor.h"

namespace quantc {
namespace kernels {

/// Window shape arithmetic runs in 128 bits (so attribute values from a
/// file cannot overflow it) and then accepts only extents -- the dilated
/// kernel, the padded input, strides and pads -- of at most 2^61 in
/// magnitude, so the kernels' index sums of two or three such values stay
/// far inside int64.
using WideInt = __int128;
inline constexpr int64_t kMaxWindowExtent = int64_t{1} << 61;
bool WindowExtentOk(WideInt v);
/// Decimal text of `v` for messages.
std::string WideStr(WideInt v);

struct Window {
  static constexpr int kMaxRank = 3;
  int rank = 0;  ///< real spatial rank (1..3)
  std::array<int64_t, kMaxRank> in{1, 1, 1}, out{1, 1, 1}, kernel{1, 1, 1};
  std::array<int64_t, kMaxRank> stride{1, 1, 1}, dilation{1, 1, 1};
  std::array<int64_t, kMaxRank> pad_begin{0, 0, 0}, pad_end{0, 0, 0};

  int64_t in_size() const { return in[0] * in[1] * in[2]; }
  int64_t out_size() const { return out[0] * out[1] * out[2]; }
  int64_t kernel_size() const { return kernel[0] * kernel[1] * kernel[2]; }
  /// True when the window is a plain 1x1 stride-1 unpadded map.
  bool IsPointwise() const;
  bool operator==(const Window& o) const;
  bool operator!=(const Window& o) const { return !(*this == o); }
};

/// Reads kernel_shape (or uses `kernel` when the attribute is absent),
/// strides, dilations, pads and auto_pad from `node`, for an input whose
/// spatial dims are `in_spatial`. `ceil_mode` is the pool attribute.
absl::StatusOr<Window> MakeWindow(const Node& node, absl::Span<const int64_t> in_spatial,
                                  absl::Span<const int64_t> kernel, bool ceil_mode);

/// Conv-family operand layout: X [N, C, spatial...], W [M, C/group, k...].
struct ConvShape {
  int64_t n = 0, c = 0, m = 0, group = 1;
  int64_t cg = 0, mg = 0;  ///< channels per group, in and out
  Window w;
};

/// Validates X/W/B shapes and the window attributes of a Conv-like node
/// (Conv, ConvInteger, QLinearConv); `b` may be nullptr.
absl::StatusOr<ConvShape> MakeConvShape(const Node& node, const Tensor& x, const Tensor& w,
                                        const Tensor* b);

/// [N, M, out spatial...].
std::vector<int64_t> ConvOutputDims(const ConvShape& s);

/// im2col: for each (c, kd, kh, kw) row, the input values the window tap
/// reads at every output position (0 where it reads padding).
/// `x` is channels x in_size; `col` is (channels * kernel_size) x out_size.
template <typename T>
void Im2Col(const T* x, int64_t channels, const Window& w, T* col);

/// im2col of output columns [j0, j0 + nb), written directly in Sgemm's
/// packed-B layout (see PackedBSize) so the GEMM needs no packing pass.
/// `packed` has room for PackedBSize(channels * kernel_size, nb) floats.
void Im2ColPacked(const float* x, int64_t channels, const Window& w, int64_t j0, int64_t nb,
                  float* packed);

/// Small outputs (rows narrower than two panels) use a table-driven
/// im2col: per kernel tap, the input offset that each output column of a
/// block reads (-1 for padding). The table depends only on the window, so a
/// Conv kernel can build it once and reuse it for every sample.
struct Im2ColTable {
  int64_t j0 = 0, nb = 0, panels = 0;
  std::vector<int32_t> offsets;  // kernel_size rows of panels * 16 entries
};
bool UsesIm2ColTable(const Window& w);
void BuildIm2ColTable(const Window& w, int64_t j0, int64_t nb, Im2ColTable* table);
/// Same result as Im2ColPacked(x, channels, w, table.j0, table.nb, packed).
void Im2ColPackedFromTable(const float* x, int64_t channels, const Window& w,
                           const Im2ColTable& table, float* packed);

}  // namespace kernels
}  // namespace quantc

#endif  // QUANTC_IR_KERNELS_WINDOW_H_
