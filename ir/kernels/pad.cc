// Pad: constant, reflect and edge modes; negative pads crop.
//
// Opset-dependent forms: before 11, `pads` and the float `value` are
// attributes; from 11, `pads` (int64) and the optional scalar
// `constant_value` (the data's type) are inputs. pads lists all begins, then
// all ends: [x1_begin, x2_begin, ..., x1_end, x2_end, ...].
//
// Each output row (innermost dim) is produced at once: rows whose outer
// coordinates fall into constant padding are filled, others map to one
// input row and copy its middle part in a block.
#include <algorithm>
#include <cstring>

#include "ir/kernels/kernel.h"
#include "ir/kernels/kernels.h"
#include "util/status_macros.h"

namespace quantc {
namespace kernels {
namespace {

enum class PadMode { kConstant, kReflect, kEdge };

// Input coordinate for output coordinate `o` of a dim with `begin` padding,
// or -1 for "constant value".
int64_t SourceIndex(int64_t o, int64_t begin, int64_t dim, PadMode mode) {
  int64_t i = o - begin;
  if (i >= 0 && i < dim) return i;
  switch (mode) {
    case PadMode::kConstant:
      return -1;
    case PadMode::kEdge:
      return i < 0 ? 0 : dim - 1;
    case PadMode::kReflect: {
      // Mirror without repeating the edge element; period 2*(dim-1).
      if (dim == 1) return 0;
      const int64_t period = 2 * (dim - 1);
      int64_t m = i % period;
      if (m < 0) m += period;
      return m < dim ? m : period - m;
    }
  }
  return -1;
}

}  // namespace

KernelResult Pad(const KernelContext& ctx) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  const int64_t rank = x->rank();
  const std::string mode_s = ctx.node().GetString("mode", "constant");
  PadMode mode;
  if (mode_s == "constant") {
    mode = PadMode::kConstant;
  } else if (mode_s == "reflect") {
    mode = PadMode::kReflect;
  } else if (mode_s == "edge") {
    mode = PadMode::kEdge;
  } else {
    return Invalid("unknown mode '", mode_s, "'");
  }
  const size_t es = DTypeSize(x->dtype());
  if (es == 0) return Unsupported("element type ", DTypeName(x->dtype()));
  std::vector<int64_t> pads;
  // The pad value as one element of the data's type.
  std::string value(es, '\0');
  if (ctx.opset() < 11) {
    pads = ctx.node().GetInts("pads");
    QC_ASSIGN_OR_RETURN(
        Tensor v, CastTensor(Tensor::Scalar<float>(ctx.node().GetFloat("value", 0)), x->dtype()));
    std::memcpy(value.data(), v.raw(), es);
  } else {
    QC_ASSIGN_OR_RETURN(const Tensor* p, RequireInput(ctx, 1));
    QC_ASSIGN_OR_RETURN(pads, ReadInts(*p, "pads"));
    if (const Tensor* cv = ctx.input(2)) {
      if (cv->dtype() != x->dtype() || cv->num_elements() != 1) {
        return Invalid("constant_value must be a scalar of the data's type");
      }
      std::memcpy(value.data(), cv->raw(), es);
    }
  }
  if (static_cast<int64_t>(pads.size()) != 2 * rank) {
    return Invalid("pads has ", pads.size(), " entries for rank ", rank);
  }
  std::vector<int64_t> out_dims(rank);
  for (int64_t d = 0; d < rank; ++d) {
    QC_ASSIGN_OR_RETURN(const int64_t grown, CheckedAdd(x->dims()[d], pads[d]));
    QC_ASSIGN_OR_RETURN(out_dims[d], CheckedAdd(grown, pads[d + rank]));
    if (out_dims[d] < 0) return Invalid("pads ", ShapeStr(pads), " crop more than dim ", d);
    if (mode != PadMode::kConstant && x->dims()[d] == 0 && out_dims[d] > 0) {
      return Invalid("cannot ", mode_s, "-pad an empty dim ", d);
    }
  }
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(x->dtype(), out_dims));
  if (y.num_elements() == 0) return std::vector<Tensor>{std::move(y)};
  if (rank == 0) return std::vector<Tensor>{*x};
  const std::vector<int64_t> in_strides = Strides(x->dims());
  const int64_t inner = out_dims[rank - 1];
  const int64_t in_inner = x->dims()[rank - 1];
  const int64_t begin = pads[rank - 1];
  // The output row's elements that copy a contiguous input block.
  const int64_t copy_lo = std::max<int64_t>(begin, 0);
  const int64_t copy_hi = std::min<int64_t>(inner, begin + in_inner);
  std::vector<int64_t> index(rank, 0);
  char* out = y.mutable_raw();
  for (int64_t o = 0; o < y.num_elements(); o += inner, out += inner * es) {
    int64_t row = 0;
    bool constant_row = false;
    for (int64_t d = 0; d + 1 < rank; ++d) {
      int64_t s = SourceIndex(index[d], pads[d], x->dims()[d], mode);
      if (s < 0) {
        constant_row = true;
        break;
      }
      row += s * in_strides[d];
    }
    const char* in = x->raw() + row * es;
    for (int64_t i = 0; i < inner; ++i) {
      if (i == copy_lo && copy_hi > copy_lo && !constant_row) {
        std::memcpy(out + i * es, in + (i - begin) * es, (copy_hi - copy_lo) * es);
        i = copy_hi - 1;
        continue;
      }
      int64_t s = constant_row ? -1 : SourceIndex(i, begin, in_inner, mode);
      std::memcpy(out + i * es, s < 0 ? value.data() : in + s * es, es);
    }
    for (int64_t d = rank - 2; d >= 0; --d) {
      if (++index[d] < out_dims[d]) break;
      index[d] = 0;
    }
  }
  return std::vector<Tensor>{std::move(y)};
}

}  // namespace kernels
}  // namespace quantc
