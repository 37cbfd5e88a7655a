// Gather and GatherElements. Indices may be int32 or int64 and negative
// (counting from the end, opset 11+); an index outside [-dim, dim) is
// InvalidArgument rather than an out-of-bounds read.
#include <cstring>

#include "ir/kernels/kernel.h"
#include "ir/kernels/kernels.h"
#include "util/status_macros.h"

namespace quantc {
namespace kernels {
namespace {

absl::StatusOr<std::vector<int64_t>> CheckedIndices(const Tensor& t, int64_t dim) {
  QC_ASSIGN_OR_RETURN(std::vector<int64_t> idx, ReadInts(t, "indices"));
  for (int64_t& i : idx) {
    if (i < -dim || i >= dim) return Invalid("index ", i, " is out of range for a dim of ", dim);
    if (i < 0) i += dim;
  }
  return idx;
}

}  // namespace

// Gather: out[a.., i.., b..] = data[a.., indices[i..], b..].
KernelResult Gather(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* data, RequireInput(ctx, 0));
  QC_ASSIGN_OR_RETURN(const Tensor* indices, RequireInput(ctx, 1));
  const int64_t rank = data->rank();
  if (rank == 0) return Invalid("data must have rank >= 1");
  QC_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(ctx.node().GetInt("axis", 0), rank));
  const int64_t dim = data->dims()[axis];
  QC_ASSIGN_OR_RETURN(std::vector<int64_t> idx, CheckedIndices(*indices, dim));
  std::vector<int64_t> out_dims(data->dims().begin(), data->dims().begin() + axis);
  out_dims.insert(out_dims.end(), indices->dims().begin(), indices->dims().end());
  out_dims.insert(out_dims.end(), data->dims().begin() + axis + 1, data->dims().end());
  const size_t es = DTypeSize(data->dtype());
  if (es == 0) return Unsupported("element type ", DTypeName(data->dtype()));
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= data->dims()[d];
  for (int64_t d = axis + 1; d < rank; ++d) inner *= data->dims()[d];
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(data->dtype(), out_dims));
  const size_t block = inner * es;
  char* out = y.mutable_raw();
  for (int64_t o = 0; o < outer; ++o) {
    const char* src = data->raw() + o * dim * block;
    for (int64_t i : idx) {
      std::memcpy(out, src + i * block, block);
      out += block;
    }
  }
  return std::vector<Tensor>{std::move(y)};
}

// GatherElements: out[p] = data[p with p[axis] replaced by indices[p]];
// indices and output share one shape.
KernelResult GatherElements(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* data, RequireInput(ctx, 0));
  QC_ASSIGN_OR_RETURN(const Tensor* indices, RequireInput(ctx, 1));
  const int64_t rank = data->rank();
  if (rank == 0 || indices->rank() != rank) {
    return Invalid("data and indices must have the same rank >= 1");
  }
  QC_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(ctx.node().GetInt("axis", 0), rank));
  QC_ASSIGN_OR_RETURN(std::vector<int64_t> idx, CheckedIndices(*indices, data->dims()[axis]));
  const std::vector<int64_t> in_strides = Strides(data->dims());
  const auto& od = indices->dims();
  for (int64_t d = 0; d < rank; ++d) {
    if (d != axis && od[d] > data->dims()[d]) {
      return Invalid("indices shape ", ShapeStr(od), " exceeds data shape ", ShapeStr(data->dims()),
                     " outside axis ", axis);
    }
  }
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(data->dtype(), od));
  QC_RETURN_IF_ERROR(DispatchBySize(data->dtype(), [&](auto tag) {
    using U = typename decltype(tag)::type;
    const U* in = reinterpret_cast<const U*>(data->raw());
    U* out = y.mutable_data<U>();
    std::vector<int64_t> index(rank, 0);
    for (size_t o = 0; o < idx.size(); ++o) {
      int64_t off = 0;
      for (int64_t d = 0; d < rank; ++d) {
        off += (d == axis ? idx[o] : index[d]) * in_strides[d];
      }
      out[o] = in[off];
      for (int64_t d = rank - 1; d >= 0; --d) {
        if (++index[d] < od[d]) break;
        index[d] = 0;
      }
    }
    return absl::OkStatus();
  }));
  return std::vector<Tensor>{std::move(y)};
}

}  // namespace kernels
}  // namespace quantc
