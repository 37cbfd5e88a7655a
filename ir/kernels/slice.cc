// Concat, Split and Slice.
//
// Opset-dependent forms:
//   Split  `split` sizes attribute before 13, optional input from 13;
//          without sizes the axis is divided equally among the outputs
//   Slice  starts/ends/axes attributes before 10; inputs starts, ends,
//          axes, steps from 10
// Slice clamps like the spec: after adding the dim to negative values,
// starts/ends clamp to [0, dim] for positive steps and to [-1, dim-1] (end)
// / [0, dim-1] (start) for negative steps.
#include <algorithm>
#include <cstring>

#include "ir/kernels/kernel.h"
#include "ir/kernels/kernels.h"
#include "util/status_macros.h"

namespace quantc {
namespace kernels {

KernelResult Concat(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* first, RequireInput(ctx, 0));
  if (ctx.node().FindAttr("axis") == nullptr) return Invalid("attribute 'axis' is required");
  const int64_t rank = first->rank();
  QC_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(ctx.node().GetInt("axis", 0), rank));
  std::vector<int64_t> out_dims = first->dims();
  out_dims[axis] = 0;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    QC_ASSIGN_OR_RETURN(const Tensor* t, RequireInput(ctx, i));
    if (t->dtype() != first->dtype() || t->rank() != rank) {
      return Invalid("input ", i, " (", DTypeName(t->dtype()), " ", ShapeStr(t->dims()),
                     ") does not match input 0 (", DTypeName(first->dtype()), " ",
                     ShapeStr(first->dims()), ")");
    }
    for (int64_t d = 0; d < rank; ++d) {
      if (d != axis && t->dims()[d] != first->dims()[d]) {
        return Invalid("input ", i, " shape ", ShapeStr(t->dims()),
                       " does not match input 0 shape ", ShapeStr(first->dims()), " outside axis ",
                       axis);
      }
    }
    out_dims[axis] += t->dims()[axis];
  }
  const size_t es = DTypeSize(first->dtype());
  if (es == 0) return Unsupported("element type ", DTypeName(first->dtype()));
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(first->dtype(), out_dims));
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= out_dims[d];
  for (int64_t d = axis + 1; d < rank; ++d) inner *= out_dims[d];
  const size_t out_row = out_dims[axis] * inner * es;
  size_t col = 0;  // byte offset of the current input within an output row
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    const Tensor* t = ctx.input(i);
    const size_t row = t->dims()[axis] * inner * es;
    for (int64_t o = 0; o < outer; ++o) {
      std::memcpy(y.mutable_raw() + o * out_row + col, t->raw() + o * row, row);
    }
    col += row;
  }
  return std::vector<Tensor>{std::move(y)};
}

KernelResult Split(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  const int64_t rank = x->rank();
  QC_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(ctx.node().GetInt("axis", 0), rank));
  const int64_t n_out = ctx.num_outputs();
  const int64_t dim = x->dims()[axis];
  std::vector<int64_t> sizes;
  if (ctx.opset() >= 13 && ctx.has_input(1)) {
    QC_ASSIGN_OR_RETURN(sizes, ReadInts(*ctx.input(1), "split"));
  } else if (ctx.opset() < 13 && ctx.node().FindAttr("split") != nullptr) {
    sizes = ctx.node().GetInts("split");
  } else {
    if (n_out == 0 || dim % n_out != 0) {
      return Invalid("axis ", axis, " of size ", dim, " does not split into ", n_out,
                     " equal parts");
    }
    sizes.assign(n_out, dim / n_out);
  }
  if (static_cast<int64_t>(sizes.size()) != n_out) {
    return Invalid("split has ", sizes.size(), " sizes for ", n_out, " outputs");
  }
  int64_t total = 0;
  for (int64_t s : sizes) {
    if (s < 0) return Invalid("split ", ShapeStr(sizes), " has a negative size");
    // Sizes beyond the dim would need a wrapped sum to add up to it.
    if (s > dim) return Invalid("split ", ShapeStr(sizes), " exceeds axis size ", dim);
    total += s;
  }
  if (total != dim) {
    return Invalid("split ", ShapeStr(sizes), " does not sum to axis size ", dim);
  }
  const size_t es = DTypeSize(x->dtype());
  if (es == 0) return Unsupported("element type ", DTypeName(x->dtype()));
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= x->dims()[d];
  for (int64_t d = axis + 1; d < rank; ++d) inner *= x->dims()[d];
  std::vector<Tensor> outs;
  size_t col = 0;
  const size_t in_row = dim * inner * es;
  for (int64_t s : sizes) {
    std::vector<int64_t> dims = x->dims();
    dims[axis] = s;
    QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(x->dtype(), dims));
    const size_t row = s * inner * es;
    for (int64_t o = 0; o < outer; ++o) {
      std::memcpy(y.mutable_raw() + o * row, x->raw() + o * in_row + col, row);
    }
    col += row;
    outs.push_back(std::move(y));
  }
  return outs;
}

KernelResult Slice(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  const int64_t rank = x->rank();
  std::vector<int64_t> starts, ends, axes, steps;
  bool have_axes = false;
  if (ctx.opset() < 10) {
    starts = ctx.node().GetInts("starts");
    ends = ctx.node().GetInts("ends");
    have_axes = ctx.node().FindAttr("axes") != nullptr;
    axes = ctx.node().GetInts("axes");
  } else {
    QC_ASSIGN_OR_RETURN(const Tensor* st, RequireInput(ctx, 1));
    QC_ASSIGN_OR_RETURN(const Tensor* en, RequireInput(ctx, 2));
    QC_ASSIGN_OR_RETURN(starts, ReadInts(*st, "starts"));
    QC_ASSIGN_OR_RETURN(ends, ReadInts(*en, "ends"));
    if (ctx.has_input(3)) {
      have_axes = true;
      QC_ASSIGN_OR_RETURN(axes, ReadInts(*ctx.input(3), "axes"));
    }
    if (ctx.has_input(4)) {
      QC_ASSIGN_OR_RETURN(steps, ReadInts(*ctx.input(4), "steps"));
    }
  }
  if (!have_axes) {
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  }
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size()) {
    return Invalid("starts, ends, axes and steps must have the same length");
  }
  QC_ASSIGN_OR_RETURN(axes, NormalizeAxes(axes, rank));
  // Per-dim (start, step, count); untouched dims take everything.
  std::vector<int64_t> first(rank, 0), step(rank, 1), out_dims = x->dims();
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t a = axes[i], dim = x->dims()[a];
    if (steps[i] == 0) return Invalid("slice step must not be zero");
    if (dim == 0) {  // nothing to take (and no valid clamp range below)
      out_dims[a] = 0;
      continue;
    }
    // A step beyond the dim takes one element at most, like a step of dim
    // (which also keeps -step and e - b + s - 1 below from overflowing).
    const int64_t s = std::clamp<int64_t>(steps[i], -dim, dim);
    // starts/ends near INT64_MIN: adding dim cannot overflow (dim >= 0).
    int64_t b = starts[i] < 0 ? starts[i] + dim : starts[i];
    int64_t e = ends[i] < 0 ? ends[i] + dim : ends[i];
    if (s > 0) {
      b = std::clamp<int64_t>(b, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
    } else {
      b = std::clamp<int64_t>(b, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
    }
    // ceil((e - b) / s) for either sign of s, floored at zero.
    int64_t count = s > 0 ? (e - b + s - 1) / s : (b - e + (-s) - 1) / (-s);
    first[a] = b;
    step[a] = s;
    out_dims[a] = std::max<int64_t>(count, 0);
  }
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(x->dtype(), out_dims));
  if (y.num_elements() == 0) return std::vector<Tensor>{std::move(y)};
  const std::vector<int64_t> in_strides = Strides(x->dims());
  int64_t base = 0;
  std::vector<int64_t> strides(rank);
  for (int64_t d = 0; d < rank; ++d) {
    base += first[d] * in_strides[d];
    strides[d] = step[d] * in_strides[d];
  }
  const int64_t total = y.num_elements();
  QC_RETURN_IF_ERROR(DispatchBySize(x->dtype(), [&](auto tag) {
    using U = typename decltype(tag)::type;
    const U* in = reinterpret_cast<const U*>(x->raw());
    U* out = y.mutable_data<U>();
    if (rank == 0) {
      out[0] = in[0];
      return absl::OkStatus();
    }
    const int64_t inner = out_dims[rank - 1], inner_stride = strides[rank - 1];
    std::vector<int64_t> index(rank, 0);
    int64_t off = base;
    for (int64_t o = 0; o < total; o += inner) {
      for (int64_t i = 0; i < inner; ++i) out[o + i] = in[off + i * inner_stride];
      for (int64_t d = rank - 2; d >= 0; --d) {
        if (++index[d] < out_dims[d]) {
          off += strides[d];
          break;
        }
        off -= strides[d] * (out_dims[d] - 1);
        index[d] = 0;
      }
    }
    return absl::OkStatus();
  }));
  return std::vector<Tensor>{std::move(y)};
}

}  // namespace kernels
}  // namespace quantc
