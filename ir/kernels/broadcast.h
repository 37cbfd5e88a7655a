// Numpy-style (multidirectional) broadcasting for elementwise kernels.
//
// The plan drops size-1 output dims and merges adjacent dims that every
// input walks contiguously (or not at all), so a bias add over NCHW becomes
// a loop over C rows of H*W elements. The innermost stride of each input is
// then always 0 (broadcast) or 1 (contiguous), which the row loops of the
// kernels specialize on.
#ifndef QUANTC_IR_KERNELS_BROADCAST_H_
#define QUANTC_IR_KERNELS_BROADCAST_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace quantc {
namespace kernels {

/// Broadcast result shape of `a` and `b`, or InvalidArgument.
absl::StatusOr<std::vector<int64_t>> BroadcastShapes(absl::Span<const int64_t> a,
                                                     absl::Span<const int64_t> b);

/// Whether `from` broadcasts to exactly `to` (unidirectional broadcasting).
bool BroadcastsTo(absl::Span<const int64_t> from, absl::Span<const int64_t> to);

class BroadcastPlan {
 public:
  /// Every input shape must broadcast to `out` (checked by the caller).
  BroadcastPlan(absl::Span<const int64_t> out, const std::vector<std::vector<int64_t>>& ins);

  /// Calls `row(offsets, out_offset, length)` for each innermost row, where
  /// offsets[k] is input k's element offset at the row start; input k's
  /// stride within the row is inner_stride(k) (0 or 1).
  template <typename F>
  void ForEachRow(F&& row) const;

  int64_t inner_stride(int k) const { return inner_stride_[k]; }
  int64_t num_elements() const { return total_; }

 private:
  int64_t total_ = 0;
  int64_t inner_ = 1;
  std::vector<int64_t> outer_;                // collapsed outer dims
  std::vector<std::vector<int64_t>> stride_;  // per input, per outer dim
  std::vector<int64_t> inner_stride_;
};

template <typename F>
void BroadcastPlan::ForEachRow(F&& row) const {
  if (total_ == 0) return;
  const size_t n_in = inner_stride_.size();
  const size_t rank = outer_.size();
  std::vector<int64_t> offsets(n_in, 0), index(rank, 0);
  const int64_t rows = total_ / inner_;
  for (int64_t r = 0; r < rows; ++r) {
    row(offsets.data(), r * inner_, inner_);
    // Odometer increment over the outer dims, innermost first.
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < outer_[d]) {
        for (size_t k = 0; k < n_in; ++k) offsets[k] += stride_[k][d];
        break;
      }
      for (size_t k = 0; k < n_in; ++k) offsets[k] -= stride_[k][d] * (outer_[d] - 1);
      index[d] = 0;
    }
  }
}

/// out[i] = f(a[i], b[i]) under broadcasting.
template <typename TA, typename TB, typename TO, typename F>
void BroadcastBinary(const BroadcastPlan& plan, const TA* a, const TB* b, TO* out, F f) {
  const int64_t sa = plan.inner_stride(0), sb = plan.inner_stride(1);
  plan.ForEachRow([&](const int64_t* off, int64_t o, int64_t n) {
    const TA* pa = a + off[0];
    const TB* pb = b + off[1];
    TO* po = out + o;
    // The three shapes that occur; splitting them lets the compiler
    // vectorize each loop.
    if (sa == 1 && sb == 1) {
      for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], pb[i]);
    } else if (sb == 0) {
      const TB vb = pb[0];
      for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i * sa], vb);
    } else {
      const TA va = pa[0];
      for (int64_t i = 0; i < n; ++i) po[i] = f(va, pb[i]);
    }
  });
}

}  // namespace kernels
}  // namespace quantc

#endif  // QUANTC_IR_KERNELS_BROADCAST_H_
