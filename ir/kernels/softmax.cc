// Softmax and LogSoftmax.
//
// Opset < 13 coerces the input to 2-D at `axis` (default 1) and normalizes
// each row of prod(dims[axis:]) elements; opset >= 13 normalizes along the
// single dimension `axis` (default -1). Both are the view
// [outer, n, inner] with different n/inner, so one loop serves both.
// Numerics: subtract the row max, exponentiate, sum in index order, divide.
#include <cmath>

#include "ir/kernels/kernel.h"
#include "ir/kernels/kernels.h"
#include "util/status_macros.h"

namespace quantc {
namespace kernels {
namespace {

template <typename T>
void SoftmaxRows(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, bool log) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const T* xr = x + o * n * inner + i;
      T* yr = y + o * n * inner + i;
      T mx = xr[0];
      for (int64_t k = 1; k < n; ++k) mx = xr[k * inner] > mx ? xr[k * inner] : mx;
      T sum = 0;
      for (int64_t k = 0; k < n; ++k) {
        T e = std::exp(xr[k * inner] - mx);
        if (!log) yr[k * inner] = e;
        sum += e;
      }
      if (log) {
        T lsum = std::log(sum);
        for (int64_t k = 0; k < n; ++k) yr[k * inner] = xr[k * inner] - mx - lsum;
      } else {
        for (int64_t k = 0; k < n; ++k) yr[k * inner] /= sum;
      }
    }
  }
}

KernelResult SoftmaxImpl(const KernelContext& ctx, bool log) {
  QC_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  QC_RETURN_IF_ERROR(RequireFloat(*x, "input"));
  const bool per_axis = ctx.opset() >= 13;
  const int64_t rank = x->rank();
  // A scalar has nothing to normalize over; treat it as one row of one.
  int64_t axis = 0;
  if (rank > 0) {
    QC_ASSIGN_OR_RETURN(axis, NormalizeAxis(ctx.node().GetInt("axis", per_axis ? -1 : 1), rank));
  }
  const auto& d = x->dims();
  int64_t outer = 1, n = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i) outer *= d[i];
  if (per_axis) {
    n = rank > 0 ? d[axis] : 1;
    for (int64_t i = axis + 1; i < rank; ++i) inner *= d[i];
  } else {
    for (int64_t i = axis; i < rank; ++i) n *= d[i];
  }
  QC_ASSIGN_OR_RETURN(Tensor y, Tensor::Create(x->dtype(), x->dims()));
  if (n > 0) {
    DispatchFloat(x->dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      SoftmaxRows<T>(x->data<T>().data(), y.mutable_data<T>(), outer, n, inner, log);
      return absl::OkStatus();
    }).IgnoreError();
  }
  return std::vector<Tensor>{std::move(y)};
}

}  // namespace

KernelResult Softmax(const KernelContext& ctx) { return SoftmaxImpl(ctx, /*log=*/false); }
KernelResult LogSoftmax(const KernelContext& ctx) { return SoftmaxImpl(ctx, /*log=*/true); }

}  // namespace kernels
}  // namespace quantc
