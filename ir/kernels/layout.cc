// Element rearrangement without arithmetic: Transpose, Expand, Tile.
// All three are dtype-agnostic (elements move as same-width integers).
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
  Tensor y(x->dtype(), out_dims);
  QC_RETURN_IF_ERROR(DispatchBySize(x->dtype(), [&](auto tag) {
    using U = typename decltype(tag)::type;
    GatherStrided<U>(reinterpret_cast<const U*>(x->raw()), y.mutable_data<U>(), out_dims, strides);
    return absl::OkStatus();
  }));
  return std::vector<Tensor>{std::move(y)};
}

// Expand: bidirectional broadcast of the input against `shape`.
KernelResult Expand(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  QC_ASSIGN_OR_RETURN(const Tensor* shape_t, RequireInput(ctx, 1));
  QC_ASSIGN_OR_RETURN(std::vector<int64_t> shape, ReadInts(*shape_t, "shape"));
  QC_RETURN_IF_ERROR(CheckOutputShape(shape));
  QC_ASSIGN_OR_RETURN(std::vector<int64_t> out_dims, BroadcastShapes(x->dims(), shape));
  QC_RETURN_IF_ERROR(CheckOutputShape(out_dims));
  // Broadcast dims read with stride 0.
  const size_t lead = out_dims.size() - x->dims().size();
  const std::vector<int64_t> in_strides = Strides(x->dims());
  std::vector<int64_t> strides(out_dims.size(), 0);
  for (size_t i = 0; i < x->dims().size(); ++i) {
    strides[lead + i] = x->dims()[i] == 1 ? 0 : in_strides[i];
  }
  Tensor y(x->dtype(), out_dims);
  QC_RETURN_IF_ERROR(DispatchBySize(x->dtype(), [&](auto tag) {
    using U = typename decltype(tag)::type;
    GatherStrided<U>(reinterpret_cast<const U*>(x->raw()), y.mutable_data<U>(), out_dims, strides);
    return absl::OkStatus();
  }));
  return std::vector<Tensor>{std::move(y)};
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
    if (reps[i] > 0 && x->dims()[i] > (int64_t{1} << 31) / reps[i]) {
      return Invalid("repeats ", ShapeStr(reps), " make the output too large");
    }
    out_dims[i] = x->dims()[i] * reps[i];
  }
  QC_RETURN_IF_ERROR(CheckOutputShape(out_dims));
  Tensor y(x->dtype(), out_dims);
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

}  // namespace kernels
}  // namespace quantc
