#include "ir/kernels/broadcast.h"

#include <algorithm>

#include "ir/kernels/kernel.h"

namespace quantc {
namespace kernels {

absl::StatusOr<std::vector<int64_t>> BroadcastShapes(absl::Span<const int64_t> a,
                                                     absl::Span<const int64_t> b) {
  const size_t rank = std::max(a.size(), b.size());
  std::vector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    // Align from the right; missing leading dims act as 1.
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1) {
      return Invalid("shapes ", ShapeStr(a), " and ", ShapeStr(b), " cannot be broadcast");
    }
    out[i] = da == 1 ? db : da;
  }
  return out;
}

bool BroadcastsTo(absl::Span<const int64_t> from, absl::Span<const int64_t> to) {
  if (from.size() > to.size()) return false;
  const size_t lead = to.size() - from.size();
  for (size_t i = 0; i < from.size(); ++i) {
    if (from[i] != 1 && from[i] != to[lead + i]) return false;
  }
  return true;
}

BroadcastPlan::BroadcastPlan(absl::Span<const int64_t> out,
                             const std::vector<std::vector<int64_t>>& ins) {
  const size_t rank = out.size();
  total_ = NumElements(out);
  // Full-rank strides per input, 0 where the input is broadcast.
  std::vector<std::vector<int64_t>> full(ins.size(), std::vector<int64_t>(rank, 0));
  for (size_t k = 0; k < ins.size(); ++k) {
    const auto& d = ins[k];
    const size_t lead = rank - d.size();
    int64_t s = 1;
    for (size_t i = d.size(); i-- > 0;) {
      full[k][lead + i] = d[i] == 1 ? 0 : s;
      s *= d[i];
    }
  }
  // Keep dims of size > 1, merging each into its inner neighbour when every
  // input's strides are compatible with one flat loop.
  std::vector<int64_t> dims;
  std::vector<std::vector<int64_t>> strides(ins.size());
  for (size_t i = 0; i < rank; ++i) {
    if (out[i] == 1) continue;
    bool merge = !dims.empty();
    for (size_t k = 0; merge && k < ins.size(); ++k) {
      merge = strides[k].back() == full[k][i] * out[i];
    }
    if (merge) {
      dims.back() *= out[i];
      for (size_t k = 0; k < ins.size(); ++k) strides[k].back() = full[k][i];
    } else {
      dims.push_back(out[i]);
      for (size_t k = 0; k < ins.size(); ++k) strides[k].push_back(full[k][i]);
    }
  }
  inner_stride_.assign(ins.size(), 0);
  if (!dims.empty()) {
    inner_ = dims.back();
    dims.pop_back();
    for (size_t k = 0; k < ins.size(); ++k) {
      inner_stride_[k] = strides[k].back();
      strides[k].pop_back();
    }
  }
  outer_ = std::move(dims);
  stride_ = std::move(strides);
}

}  // namespace kernels
}  // namespace quantc
