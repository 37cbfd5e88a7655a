// Weight scales chosen by reconstruction error, not by range.
//
// Min/max scales (s = max|w| / qmax) never clip, but at low bit widths they
// waste most levels on a few large weights: at 2 bits (levels {-s, 0, s})
// every weight below max|w| / 2 becomes 0. Searching s minimizes
// E(s) = sum_i (w_i - s * clamp(rne(w_i / s), -qmax, qmax))^2, trading a
// little clipping of the largest weights for resolution elsewhere; at 2 bits
// this finds the ternary threshold of Li et al., "Ternary Weight Networks"
// (2016), numerically. Candidates: s = (max|w| / qmax) * r for r in
// (0, 1] on a 1/256 grid (E is not convex in s, hence a grid, not a
// descent), or with power2 every power of two from the min/max scale down 8
// octaves. Ties keep the larger scale (less clipping). Deterministic: pure
// arithmetic over the tensor in order.
#include "quant/weight_mse.h"

#include <cmath>

#include "quant/numeric.h"
#include "quant/qparams.h"
#include "util/status_macros.h"

namespace quantc {
namespace {

double Error(const std::vector<float>& w, double s, int64_t qmax) {
  double e = 0;
  for (float x : w) {
    double q = RoundHalfEven(x / s);
    q = std::min<double>(std::max<double>(q, -qmax), qmax);
    double d = x - s * q;
    e += d * d;
  }
  return e;
}

float BestScale(const std::vector<float>& w, float minmax_scale, int64_t qmax, bool power2) {
  if (minmax_scale <= kMinScale) return minmax_scale;
  float best = minmax_scale;
  double best_err = Error(w, minmax_scale, qmax);
  auto consider = [&](float s) {
    if (!(s > kMinScale)) return;
    double e = Error(w, s, qmax);
    if (e < best_err) {
      best_err = e;
      best = s;
    }
  };
  if (power2) {
    for (int k = 1; k <= 8; ++k) consider(std::ldexp(minmax_scale, -k));
  } else {
    for (int i = 255; i >= 1; --i) consider(minmax_scale * static_cast<float>(i) / 256.0f);
  }
  return best;
}

}  // namespace

absl::StatusOr<std::vector<float>> WeightScalesMse(const Tensor& w, int64_t axis, int bits,
                                                   bool per_tensor, bool power2) {
  QC_ASSIGN_OR_RETURN(std::vector<float> scales, WeightScales(w, axis, bits, per_tensor, power2));
  int64_t qmax = (int64_t{1} << (bits - 1)) - 1;
  int64_t rank = w.rank();
  int64_t ax = axis < 0 ? axis + rank : axis;
  int64_t channels = per_tensor ? 1 : w.dims()[ax];
  int64_t inner = 1;
  for (int64_t d = ax + 1; d < rank; ++d) inner *= w.dims()[d];
  absl::Span<const float> data = w.data<float>();
  std::vector<std::vector<float>> by_channel(channels);
  for (int64_t i = 0; i < static_cast<int64_t>(data.size()); ++i) {
    by_channel[per_tensor ? 0 : (i / inner) % channels].push_back(data[i]);
  }
  for (int64_t c = 0; c < channels; ++c) scales[c] = BestScale(by_channel[c], scales[c], qmax, power2);
  return scales;
}

}  // namespace quantc
