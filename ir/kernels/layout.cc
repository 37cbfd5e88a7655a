// Element rearrangement without arithmetic: Transpose, Expand, Tile,
// DepthToSpace, SpaceToDepth. All are dtype-agnostic (elements move as
// same-width integers).
#include <string>
#include <vector>

#include "ir/kernels/broadcast.h"
#include "ir/kernels/kernel.h"
#include "ir/kernels/kernels.h"
#include "util/status_macros.h"

namespace quantc {
namespace kernels {
namespace {

// out[o] = in[sum_d idx_d * in_stride_d] over the output's index space,
// with the innermost dim as a strided loop.
template <typename U>
void GatherStrided(const U* in, U* out, absl::Span<const int64_t> out_dims,
                   absl::Span<const int64_t> in_strides) {
  const int64_t total = NumElements(out_dims);
  if (total == 0) return;
  const size_t rank = out_dims.size();
  if (rank == 0) {
    out[0] = in[0];
    return;
  }
  const int64_t inner = out_dims[rank - 1];
  const int64_t inner_stride = in_strides[rank - 1];
  std::vector<int64_t> index(rank, 0);
  int64_t in_off = 0;
  for (int64_t o = 0; o < total; o += inner) {
    const U* src = in + in_off;
    for (int64_t i = 0; i < inner; ++i) out[o + i] = src[i * inner_stride];
    for (size_t d = rank - 1; d-- > 0;) {
      if (++index[d] < out_dims[d]) {
        in_off += in_strides[d];
        break;
      }
      in_off -= in_strides[d] * (out_dims[d] - 1);
      index[d] = 0;
    }
  }
}

// A new tensor of `out_dims` holding x's elements read in the order of the
// strided index space (`index_dims`, `strides`): the body of every kernel
// that only permutes or repeats elements.
KernelResult StridedCopy(const Tensor& x, absl::Span<const int64_t> index_dims,
                         absl::Span<const int64_t> strides, std::vector<int64_t> out_dims) {
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(x.dtype(), std::move(out_dims)));
  QC_RETURN_IF_ERROR(DispatchBySize(x.dtype(), [&](auto tag) {
    using U = typename decltype(tag)::type;
    GatherStrided<U>(reinterpret_cast<const U*>(x.raw()), y.mutable_data<U>(), index_dims, strides);
    return absl::OkStatus();
  }));
  return std::vector<Tensor>{std::move(y)};
}

}  // namespace

KernelResult Transpose(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  const int64_t rank = x->rank();
  std::vector<int64_t> perm = ctx.node().GetInts("perm");
  if (ctx.node().FindAttr("perm") == nullptr) {
    // Default: reverse the dims.
    for (int64_t i = rank - 1; i >= 0; --i) perm.push_back(i);
  }
  if (static_cast<int64_t>(perm.size()) != rank) {
    return Invalid("perm ", ShapeStr(perm), " does not match rank ", rank);
  }
  QC_ASSIGN_OR_RETURN(perm, NormalizeAxes(perm, rank));
  const std::vector<int64_t> in_strides = Strides(x->dims());
  std::vector<int64_t> out_dims(rank), strides(rank);
  for (int64_t i = 0; i < rank; ++i) {
    out_dims[i] = x->dims()[perm[i]];
    strides[i] = in_strides[perm[i]];
  }
  return StridedCopy(*x, out_dims, strides, out_dims);
}

// Expand: bidirectional broadcast of the input against `shape`.
KernelResult Expand(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  QC_ASSIGN_OR_RETURN(const Tensor* shape_t, RequireInput(ctx, 1));
  QC_ASSIGN_OR_RETURN(std::vector<int64_t> shape, ReadInts(*shape_t, "shape"));
  QC_ASSIGN_OR_RETURN(std::vector<int64_t> out_dims, BroadcastShapes(x->dims(), shape));
  // Checked before the strides below are sized from it.
  QC_RETURN_IF_ERROR(CheckShape(x->dtype(), out_dims).status());
  // Broadcast dims read with stride 0.
  const size_t lead = out_dims.size() - x->dims().size();
  const std::vector<int64_t> in_strides = Strides(x->dims());
  std::vector<int64_t> strides(out_dims.size(), 0);
  for (size_t i = 0; i < x->dims().size(); ++i) {
    strides[lead + i] = x->dims()[i] == 1 ? 0 : in_strides[i];
  }
  return StridedCopy(*x, out_dims, strides, out_dims);
}

// Tile: output dim d is input dim d times repeats[d]; every output index
// reads the input at that index modulo the input dims.
KernelResult Tile(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  QC_ASSIGN_OR_RETURN(const Tensor* rep_t, RequireInput(ctx, 1));
  QC_ASSIGN_OR_RETURN(std::vector<int64_t> reps, ReadInts(*rep_t, "repeats"));
  const int64_t rank = x->rank();
  if (static_cast<int64_t>(reps.size()) != rank) {
    return Invalid("repeats ", ShapeStr(reps), " does not match rank ", rank);
  }
  std::vector<int64_t> out_dims(rank);
  for (int64_t i = 0; i < rank; ++i) {
    if (reps[i] < 0) return Invalid("repeats ", ShapeStr(reps), " has a negative entry");
    QC_ASSIGN_OR_RETURN(out_dims[i], CheckedMul(x->dims()[i], reps[i]));
  }
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(x->dtype(), out_dims));
  if (y.num_elements() == 0) return std::vector<Tensor>{std::move(y)};
  const std::vector<int64_t> in_strides = Strides(x->dims());
  QC_RETURN_IF_ERROR(DispatchBySize(x->dtype(), [&](auto tag) {
    using U = typename decltype(tag)::type;
    const U* in = reinterpret_cast<const U*>(x->raw());
    U* out = y.mutable_data<U>();
    std::vector<int64_t> index(rank, 0);
    for (int64_t o = 0; o < y.num_elements(); ++o) {
      int64_t off = 0;
      for (int64_t d = 0; d < rank; ++d) off += (index[d] % x->dims()[d]) * in_strides[d];
      out[o] = in[off];
      for (int64_t d = rank - 1; d >= 0; --d) {
        if (++index[d] < out_dims[d]) break;
        index[d] = 0;
      }
    }
    return absl::OkStatus();
  }));
  return std::vector<Tensor>{std::move(y)};
}

namespace {

// DepthToSpace and SpaceToDepth are a reshape of the NCHW input to 6-D,
// a transpose and a reshape back to 4-D; `view` is the 6-D shape and
// `perm` the transpose, so the output is the transposed view's elements
// in row-major order.
KernelResult BlockShuffle(const Tensor& x, const std::vector<int64_t>& view,
                          const std::vector<int64_t>& perm, std::vector<int64_t> out_dims) {
  const std::vector<int64_t> view_strides = Strides(view);
  std::vector<int64_t> dims(6), strides(6);
  for (int i = 0; i < 6; ++i) {
    dims[i] = view[perm[i]];
    strides[i] = view_strides[perm[i]];
  }
  return StridedCopy(x, dims, strides, std::move(out_dims));
}

absl::StatusOr<int64_t> BlockSize(const KernelContext& ctx, const Tensor& x) {
  if (x.rank() != 4) return Invalid("input ", ShapeStr(x.dims()), " must have rank 4");
  if (ctx.node().FindAttr("blocksize") == nullptr) {
    return Invalid("attribute 'blocksize' is required");
  }
  const int64_t b = ctx.node().GetInt("blocksize", 0);
  if (b <= 0 || b > (int64_t{1} << 20)) return Invalid("blocksize ", b, " must be positive");
  return b;
}

}  // namespace

// DCR (the default, and the only form before opset 11) reads the channel
// as [block_row, block_col, C/(b*b)]; CRD reads it as [C/(b*b), block_row,
// block_col].
KernelResult DepthToSpace(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  QC_ASSIGN_OR_RETURN(const int64_t b, BlockSize(ctx, *x));
  const int64_t n = x->dims()[0], c = x->dims()[1], h = x->dims()[2], w = x->dims()[3];
  if (c % (b * b) != 0) {
    return Invalid("channels ", c, " are not a multiple of blocksize^2 = ", b * b);
  }
  const std::string mode = ctx.opset() >= 11 ? ctx.node().GetString("mode", "DCR") : "DCR";
  const int64_t oc = c / (b * b);
  QC_ASSIGN_OR_RETURN(const int64_t oh, CheckedMul(h, b));
  QC_ASSIGN_OR_RETURN(const int64_t ow, CheckedMul(w, b));
  std::vector<int64_t> out_dims = {n, oc, oh, ow};
  QC_RETURN_IF_ERROR(CheckShape(x->dtype(), out_dims).status());
  if (mode == "DCR") return BlockShuffle(*x, {n, b, b, oc, h, w}, {0, 3, 4, 1, 5, 2}, out_dims);
  if (mode == "CRD") return BlockShuffle(*x, {n, oc, b, b, h, w}, {0, 1, 4, 2, 5, 3}, out_dims);
  return Invalid("mode '", mode, "' is not DCR or CRD");
}

KernelResult SpaceToDepth(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  QC_ASSIGN_OR_RETURN(const int64_t b, BlockSize(ctx, *x));
  const int64_t n = x->dims()[0], c = x->dims()[1], h = x->dims()[2], w = x->dims()[3];
  if (h % b != 0 || w % b != 0) {
    return Invalid("spatial dims ", ShapeStr(x->dims()), " are not multiples of blocksize ", b);
  }
  QC_ASSIGN_OR_RETURN(const int64_t oc, CheckedMul(c, b * b));
  std::vector<int64_t> out_dims = {n, oc, h / b, w / b};
  QC_RETURN_IF_ERROR(CheckShape(x->dtype(), out_dims).status());
  return BlockShuffle(*x, {n, c, h / b, b, w / b, b}, {0, 3, 5, 1, 2, 4}, out_dims);
}

}  // namespace kernels
}  // namespace quantc
