// Reductions (ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd,
// ReduceL1, ReduceL2, ReduceSumSquare, ReduceLogSum, ReduceLogSumExp) and
// ArgMax/ArgMin.
//
// Axes: attribute `axes` for every Reduce* up to opset 17, except
// ReduceSum, which takes an optional `axes` input from opset 13 (with
// noop_with_empty_axes: no axes then means identity rather than "all").
// keepdims defaults to 1.
//
// Each output element accumulates its inputs in row-major input order, in
// the input's precision (like ONNX Runtime), so results are deterministic.
#include <cmath>
#include <limits>
#include <type_traits>

#include "ir/kernels/kernel.h"
#include "ir/kernels/kernels.h"
#include "util/status_macros.h"

namespace quantc {
namespace kernels {
namespace {

enum class Red { kSum, kMean, kMax, kMin, kProd, kL1, kL2, kSumSquare, kLogSum, kLogSumExp };

// Output offset for every input element: reduced dims get stride 0.
struct ReducePlan {
  std::vector<int64_t> out_dims;     // with keepdims applied
  std::vector<int64_t> out_strides;  // per input dim (0 on reduced dims)
  int64_t out_size = 1;
  int64_t group = 1;  // input elements per output element
};

ReducePlan MakePlan(const std::vector<int64_t>& dims, const std::vector<bool>& reduced,
                    bool keepdims) {
  ReducePlan p;
  std::vector<int64_t> kept;  // output dims without keepdims' 1s
  for (size_t d = 0; d < dims.size(); ++d) {
    if (reduced[d]) {
      p.group *= dims[d];
      if (keepdims) p.out_dims.push_back(1);
    } else {
      kept.push_back(dims[d]);
      p.out_dims.push_back(dims[d]);
    }
  }
  p.out_size = NumElements(kept);
  p.out_strides.assign(dims.size(), 0);
  int64_t s = 1;
  for (size_t d = dims.size(); d-- > 0;) {
    if (!reduced[d]) {
      p.out_strides[d] = s;
      s *= dims[d];
    }
  }
  return p;
}

// Calls f(in_index, out_index) for every input element in row-major order.
template <typename F>
void Walk(const std::vector<int64_t>& dims, const ReducePlan& p, F f) {
  const int64_t total = NumElements(dims);
  std::vector<int64_t> index(dims.size(), 0);
  int64_t out = 0;
  for (int64_t i = 0; i < total; ++i) {
    f(i, out);
    for (size_t d = dims.size(); d-- > 0;) {
      if (++index[d] < dims[d]) {
        out += p.out_strides[d];
        break;
      }
      out -= p.out_strides[d] * (dims[d] - 1);
      index[d] = 0;
    }
  }
}

template <typename T>
void ReduceTyped(Red op, const Tensor& x, const ReducePlan& p, Tensor& y) {
  const T* in = x.data<T>().data();
  T* out = y.mutable_data<T>();
  using L = std::numeric_limits<T>;
  T init = 0;
  if (op == Red::kMax) init = L::has_infinity ? -L::infinity() : L::lowest();
  if (op == Red::kMin) init = L::has_infinity ? L::infinity() : L::max();
  if (op == Red::kProd) init = 1;
  std::fill_n(out, p.out_size, init);
  // LogSumExp subtracts the per-output max first for stability.
  std::vector<T> shift;
  if (op == Red::kLogSumExp) {
    shift.assign(p.out_size, L::has_infinity ? -L::infinity() : L::lowest());
    Walk(x.dims(), p, [&](int64_t i, int64_t o) { shift[o] = std::max(shift[o], in[i]); });
    for (T& s : shift) {
      if (!std::isfinite(static_cast<double>(s))) s = 0;
    }
  }
  Walk(x.dims(), p, [&](int64_t i, int64_t o) {
    const T v = in[i];
    switch (op) {
      case Red::kSum:
      case Red::kMean:
      case Red::kLogSum:
        out[o] = WrapAdd(out[o], v);
        break;
      case Red::kMax:
        out[o] = v > out[o] ? v : out[o];
        break;
      case Red::kMin:
        out[o] = v < out[o] ? v : out[o];
        break;
      case Red::kProd:
        out[o] = WrapMul(out[o], v);
        break;
      case Red::kL1:
        if constexpr (std::is_signed_v<T>) {
          out[o] = WrapAdd(out[o], v < 0 ? WrapSub(T(0), v) : v);
        } else {
          out[o] = WrapAdd(out[o], v);
        }
        break;
      case Red::kL2:
      case Red::kSumSquare:
        out[o] = WrapAdd(out[o], WrapMul(v, v));
        break;
      case Red::kLogSumExp:
        out[o] = WrapAdd(out[o], ConvertNumber<T>(std::exp(static_cast<double>(WrapSub(v, shift[o])))));
        break;
    }
  });
  for (int64_t o = 0; o < p.out_size; ++o) {
    switch (op) {
      case Red::kMean:
        out[o] = static_cast<T>(out[o] / static_cast<T>(p.group));
        break;
      case Red::kL2:
        out[o] = ConvertNumber<T>(std::sqrt(static_cast<double>(out[o])));
        break;
      case Red::kLogSum:
        out[o] = ConvertNumber<T>(std::log(static_cast<double>(out[o])));
        break;
      case Red::kLogSumExp:
        out[o] = ConvertNumber<T>(std::log(static_cast<double>(out[o])) + static_cast<double>(shift[o]));
        break;
      default:
        break;
    }
  }
}

KernelResult Reduce(const KernelContext& ctx, Red op) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  const int64_t rank = x->rank();
  const bool keepdims = ctx.node().GetInt("keepdims", 1) != 0;
  std::vector<int64_t> axes;
  bool axes_given = false;
  const bool axes_input = op == Red::kSum && ctx.opset() >= 13;
  if (axes_input) {
    if (ctx.has_input(1)) {
      QC_ASSIGN_OR_RETURN(axes, ReadInts(*ctx.input(1), "axes"));
      axes_given = !axes.empty();
    }
    if (!axes_given && ctx.node().GetInt("noop_with_empty_axes", 0) != 0) {
      return std::vector<Tensor>{*x};
    }
  } else if (ctx.node().FindAttr("axes") != nullptr) {
    axes = ctx.node().GetInts("axes");
    axes_given = true;
  }
  std::vector<bool> reduced(rank, !axes_given);
  if (axes_given) {
    QC_ASSIGN_OR_RETURN(std::vector<int64_t> norm, NormalizeAxes(axes, rank));
    for (int64_t a : norm) reduced[a] = true;
  }
  ReducePlan plan = MakePlan(x->dims(), reduced, keepdims);
  const bool is_int = x->dtype() != DType::kFloat32 && x->dtype() != DType::kFloat64;
  if (plan.group == 0 && (op == Red::kMax || op == Red::kMin || (op == Red::kMean && is_int))) {
    return Invalid("cannot reduce an empty set with ", ctx.node().op_type());
  }
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(x->dtype(), plan.out_dims));
  QC_RETURN_IF_ERROR(DispatchNumeric(x->dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    ReduceTyped<T>(op, *x, plan, y);
    return absl::OkStatus();
  }));
  return std::vector<Tensor>{std::move(y)};
}

// ArgMax/ArgMin along one axis; select_last_index (opset 12) picks the last
// of equal extremes instead of the first.
KernelResult ArgExtreme(const KernelContext& ctx, bool is_max) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  const int64_t rank = x->rank();
  QC_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(ctx.node().GetInt("axis", 0), rank));
  const bool keepdims = ctx.node().GetInt("keepdims", 1) != 0;
  const bool last = ctx.node().GetInt("select_last_index", 0) != 0;
  const int64_t n = x->dims()[axis];
  if (n == 0) return Invalid("cannot take ", ctx.node().op_type(), " over an empty axis");
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= x->dims()[d];
  for (int64_t d = axis + 1; d < rank; ++d) inner *= x->dims()[d];
  std::vector<int64_t> dims = x->dims();
  if (keepdims) {
    dims[axis] = 1;
  } else {
    dims.erase(dims.begin() + axis);
  }
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(DType::kInt64, dims));
  int64_t* out = y.mutable_data<int64_t>();
  QC_RETURN_IF_ERROR(DispatchNumeric(x->dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* in = x->data<T>().data();
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i = 0; i < inner; ++i) {
        const T* p = in + o * n * inner + i;
        int64_t best = 0;
        for (int64_t k = 1; k < n; ++k) {
          const T v = p[k * inner], b = p[best * inner];
          const bool better = is_max ? (v > b || (last && v == b)) : (v < b || (last && v == b));
          if (better) best = k;
        }
        out[o * inner + i] = best;
      }
    }
    return absl::OkStatus();
  }));
  return std::vector<Tensor>{std::move(y)};
}

}  // namespace

KernelResult ReduceSum(const KernelContext& ctx) { return Reduce(ctx, Red::kSum); }
KernelResult ReduceMean(const KernelContext& ctx) { return Reduce(ctx, Red::kMean); }
KernelResult ReduceMax(const KernelContext& ctx) { return Reduce(ctx, Red::kMax); }
KernelResult ReduceMin(const KernelContext& ctx) { return Reduce(ctx, Red::kMin); }
KernelResult ReduceProd(const KernelContext& ctx) { return Reduce(ctx, Red::kProd); }
KernelResult ReduceL1(const KernelContext& ctx) { return Reduce(ctx, Red::kL1); }
KernelResult ReduceL2(const KernelContext& ctx) { return Reduce(ctx, Red::kL2); }
KernelResult ReduceSumSquare(const KernelContext& ctx) { return Reduce(ctx, Red::kSumSquare); }
KernelResult ReduceLogSum(const KernelContext& ctx) { return Reduce(ctx, Red::kLogSum); }
KernelResult ReduceLogSumExp(const KernelContext& ctx) { return Reduce(ctx, Red::kLogSumExp); }
KernelResult ArgMax(const KernelContext& ctx) { return ArgExtreme(ctx, true); }
KernelResult ArgMin(const KernelContext& ctx) { return ArgExtreme(ctx, false); }

}  // namespace kernels
}  // namespace quantc
