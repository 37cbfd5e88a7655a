// Zero-anchored power-of-two histogram; the grid and growth rules are in
// histogram.h. All index arithmetic is exact: x / 2^e is computed as
// ldexp(double(x), -e), which is exact for every float x and every e the
// histogram can reach, and the 2^52 bound keeps the floor in int64 range.
#include "quant/histogram.h"

#include <algorithm>
#include <cmath>

#include "util/check.h"

namespace quantc {
namespace {

// Grid index of x at bin width 2^e.
int64_t GridIndex(float x, int e) {
  return static_cast<int64_t>(std::floor(std::ldexp(static_cast<double>(x), -e)));
}

// floor(k / 2^d) for d >= 0, without relying on the sign behaviour of >>.
int64_t FloorShift(int64_t k, int d) {
  if (d >= 62) return k < 0 ? -1 : 0;
  if (k >= 0) return k >> d;
  return -(((-k) - 1) >> d) - 1;
}

// Whether [lo, hi], widened to contain 0, fits in n bins at width 2^e (see
// histogram.h). Every clipping range the searches try contains 0, so bins
// finer than max|x| / n resolve nothing they use; and without the widening
// data far from 0 with no spread (a constant output) would get a width near
// 2^-52 of its magnitude, making zero-based bin indices astronomically large.
bool Fits(float lo, float hi, int e, int n) {
  const double max_abs = std::max(std::fabs(static_cast<double>(lo)), std::fabs(static_cast<double>(hi)));
  if (std::ldexp(max_abs, -e) >= std::ldexp(1.0, 52)) return false;
  return GridIndex(std::max(hi, 0.0f), e) - GridIndex(std::min(lo, 0.0f), e) < n;
}

}  // namespace

Histogram::Histogram(int num_bins) : num_bins_(num_bins) { QC_CHECK(num_bins >= 2); }

double Histogram::width() const { return std::ldexp(1.0, exponent_); }

void Histogram::Add(absl::Span<const float> values) {
  if (values.empty()) return;
  const auto [bmin, bmax] = std::minmax_element(values.begin(), values.end());
  QC_CHECK(std::isfinite(*bmin) && std::isfinite(*bmax));
  const float lo = empty() ? *bmin : std::min(min_, *bmin);
  const float hi = empty() ? *bmax : std::max(max_, *bmax);
  // Fits() is monotone in e and in the extent, so scanning upward from the
  // current exponent finds the smallest fitting e for the overall [lo, hi].
  int e = exponent_;
  while (!Fits(lo, hi, e, num_bins_)) ++e;
  if (empty()) {
    exponent_ = e;
    first_ = GridIndex(lo, e);
    counts_.assign(num_bins_, 0);
  } else if (e != exponent_ || GridIndex(lo, e) != first_) {
    Regrid(e, GridIndex(lo, e));
  }
  min_ = lo;
  max_ = hi;
  for (float v : values) {
    ++counts_[GridIndex(v, exponent_) - first_];
    if (v == 0) ++zeros_;
  }
  total_ += values.size();
}

void Histogram::Regrid(int e, int64_t first) {
  std::vector<uint64_t> next(num_bins_, 0);
  const int d = e - exponent_;
  for (int j = 0; j < num_bins_; ++j) {
    if (counts_[j] == 0) continue;
    const int64_t k = FloorShift(first_ + j, d) - first;
    // Every value in old bin j has new index FloorShift(first_ + j, d), which
    // lies between the new indices of min and max: inside the window.
    QC_CHECK(k >= 0 && k < num_bins_);
    next[k] += counts_[j];
  }
  counts_ = std::move(next);
  exponent_ = e;
  first_ = first;
}

std::pair<double, double> Histogram::Support(int j) const {
  const double lo = std::ldexp(static_cast<double>(first_ + j), exponent_);
  const double hi = std::ldexp(static_cast<double>(first_ + j + 1), exponent_);
  return {std::max(lo, static_cast<double>(min_)), std::min(hi, static_cast<double>(max_))};
}

double Histogram::Quantile(double q) const {
  if (empty()) return 0;
  const double target = std::min(std::max(q, 0.0), 1.0) * static_cast<double>(total_);
  double below = 0;
  for (int j = 0; j < num_bins_; ++j) {
    const double c = static_cast<double>(counts_[j]);
    if (c == 0) continue;
    if (below + c >= target) {
      const auto [lo, hi] = Support(j);
      const double frac = (target - below) / c;
      return frac >= 1 ? hi : lo + frac * (hi - lo);  // exact at the top end
    }
    below += c;
  }
  return max_;  // only reachable through rounding in `below`
}

}  // namespace quantc
