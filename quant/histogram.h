// A streaming, memory-bounded histogram whose bins sit on a zero-anchored
// power-of-two grid, for the percentile / MSE / entropy observers.
//
// Grid: with bin width W = 2^e, grid bin k holds the values x with
//   floor(x / W) = k,  i.e. x in [k*W, (k+1)*W).
// The histogram keeps `num_bins` (N) consecutive grid bins starting at
// first_index(). Its exponent e is always the smallest one (>= kMinExponent)
// for which all data seen fits in N bins:
//   floor(max'/W) - floor(min'/W) < N   and   max|x| / W < 2^52
// where [min', max'] is the data's range widened to contain 0
// (the second condition keeps bin indices exact in double and int64).
//
// Growth: when a batch widens [min, max] past what N bins of width W cover,
// e increases by d and every bin k merges into bin floor(k / 2^d) (for d = 1,
// adjacent pairs merge). Because W is a power of two, x / W is exact in
// double and floor(floor(x/W) / 2^d) = floor(x / (2^d W)), so merged counts
// are exactly the counts a one-shot histogram at the new width would have.
// And since e depends only on the overall min and max, the histogram after
// any sequence of batches equals the histogram of all the data binned at
// once: results never depend on how the data was split into batches.
//
// Trade-off: a power-of-two width means the data spans between N/2 and N
// bins (N/4 to N/2 per side for data symmetric about zero), not exactly N;
// in exchange the grid never drifts, zero is always a bin edge (so a |x|
// histogram is a plain fold), and merging is exact. Memory is N counters.
#ifndef QUANTC_QUANT_HISTOGRAM_H_
#define QUANTC_QUANT_HISTOGRAM_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/types/span.h"

namespace quantc {

class Histogram {
 public:
  /// Below any float's magnitude (2^-149), so the grid can resolve every
  /// float; the search for e starts here.
  static constexpr int kMinExponent = -160;

  /// `num_bins` >= 2 (QC_CHECKed).
  explicit Histogram(int num_bins);

  /// Adds one batch. All values must be finite (QC_CHECKed: the observers
  /// reject NaN/Inf with a Status before calling this).
  void Add(absl::Span<const float> values);

  bool empty() const { return total_ == 0; }
  uint64_t total() const { return total_; }
  /// How many of the values were exactly zero (+0 or -0). They are also
  /// counted in grid bin 0; searches that model rounding error subtract
  /// them, since every quantization grid represents 0 exactly (a ReLU's
  /// output is often half zeros).
  uint64_t zeros() const { return zeros_; }
  /// Exact min / max of the data seen; 0 when empty.
  float min() const { return min_; }
  float max() const { return max_; }

  int num_bins() const { return num_bins_; }
  /// Bin width is 2^exponent().
  int exponent() const { return exponent_; }
  double width() const;
  /// Grid index of counts()[0].
  int64_t first_index() const { return first_; }
  /// N counters (empty before the first value).
  absl::Span<const uint64_t> counts() const { return counts_; }

  /// The interval the data in counts()[j] can occupy: the bin's edges
  /// clamped to [min(), max()], so the outermost bins do not claim mass
  /// beyond the real extremes.
  std::pair<double, double> Support(int j) const;

  /// The value below which a fraction q (in [0, 1]) of the data lies,
  /// assuming values are spread uniformly over each bin's Support():
  /// Quantile(0) = min(), Quantile(1) = max(). 0 when empty.
  double Quantile(double q) const;

 private:
  // Moves counts to the grid of exponent `e` starting at index `first`.
  void Regrid(int e, int64_t first);

  int num_bins_;
  int exponent_ = kMinExponent;
  int64_t first_ = 0;
  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
  uint64_t zeros_ = 0;
  float min_ = 0;
  float max_ = 0;
};

}  // namespace quantc

#endif  // QUANTC_QUANT_HISTOGRAM_H_
