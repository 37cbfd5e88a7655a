// MseClipRange: the clipping range that minimises expected quantization MSE.
//
// Model. The histogram is read as a piecewise-uniform density: the c_j values
// of bin j are spread evenly over its Support [u_j, v_j]. Quantizing with
// qparams (s, zp) represents [L, R] = [(qmin - zp) s, (qmax - zp) s], and the
// expected squared error is
//   E = sum_{x < L} (L - x)^2  +  sum_{x > R} (x - R)^2  +  n_in * s^2 / 12
// (clipping error outside; for values inside, the rounding error is modelled
// as uniform on [-s/2, s/2], variance s^2/12: the usual high-resolution
// approximation, accurate when a bin is narrower than a few steps).
//
// Each clipping term comes from the moments of the mass below a point:
//   sum_{x < L} (L - x)^2 = L^2 C(L) - 2 L S1(L) + S2(L)
// with C, S1, S2 the zeroth, first and second moments below L. Whole bins
// come from prefix sums (a uniform bin [u, v] of c values has moments c,
// c (u+v)/2, c (u^2+uv+v^2)/3); a bin straddling L contributes its part
// [u, L]. One candidate therefore costs O(log N).
//
// Exact zeros (Histogram::zeros()) are left out of the model: every grid
// represents 0 exactly and always inside [L, R], so they add no error, and
// charging them s^2/12 would push ReLU outputs towards over-clipping.
//
// Candidates. Every candidate (a, b) goes through ActivationQParams, so the
// scheme's rules (symmetric, unsigned, power2, zero-point rounding) are
// priced exactly; ends lie on bin edges k*W or the data extremes.
//  1. Sweep t from max|x| down over the bin edges with (a, b) =
//     (max(min, -t), min(max, t)). For symmetric schemes the qparams depend
//     on t alone, so this sweep is exhaustive.
//  2. Asymmetric scheme, data of both signs: from the best t, coordinate
//     descent - best a for the current b, then best b for that a, twice.
//     No step can increase E.
// A candidate replaces the best only if strictly cheaper, so ties keep the
// wider range and the result is deterministic.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "quant/clip_search.h"

namespace quantc {
namespace {

struct Moments {
  double c = 0, s1 = 0, s2 = 0;
};

// Prefix moments of the piecewise-uniform density over the non-empty bins.
class DensityModel {
 public:
  explicit DensityModel(const Histogram& h) {
    prefix_.push_back(Moments{});
    for (int j = 0; j < h.num_bins(); ++j) {
      uint64_t count = h.counts()[j];
      if (h.first_index() + j == 0) count -= h.zeros();  // grid bin 0 holds them
      const double c = static_cast<double>(count);
      if (c == 0) continue;
      const auto [u, v] = h.Support(j);
      lo_.push_back(u);
      hi_.push_back(v);
      const Moments& p = prefix_.back();
      prefix_.push_back(
          {p.c + c, p.s1 + c * (u + v) / 2, p.s2 + c * (u * u + u * v + v * v) / 3});
    }
  }

  const Moments& total() const { return prefix_.back(); }

  // Moments of the mass below x.
  Moments Below(double x) const {
    // Bins [0, i) end at or below x; bin i may straddle it.
    const size_t i = std::upper_bound(hi_.begin(), hi_.end(), x) - hi_.begin();
    Moments m = prefix_[i];
    if (i < lo_.size() && lo_[i] < x) {
      const double u = lo_[i];
      const double part = (prefix_[i + 1].c - prefix_[i].c) * (x - u) / (hi_[i] - u);
      m.c += part;
      m.s1 += part * (u + x) / 2;
      m.s2 += part * (u * u + u * x + x * x) / 3;
    }
    return m;
  }

 private:
  std::vector<double> lo_, hi_;
  std::vector<Moments> prefix_;  // prefix_[i]: moments of bins [0, i)
};

class MseObjective {
 public:
  MseObjective(const Histogram& h, const ActivationScheme& scheme)
      : model_(h), scheme_(scheme), range_(RangeFor(scheme.storage, scheme.bits, false)) {}

  double operator()(float a, float b) const {
    const absl::StatusOr<QParams> qp = ActivationQParams(a, b, scheme_);
    if (!qp.ok()) return std::numeric_limits<double>::infinity();
    const double s = qp->scale;
    const double lo = static_cast<double>(range_.qmin - qp->zero_point) * s;
    const double hi = static_cast<double>(range_.qmax - qp->zero_point) * s;
    const Moments below = model_.Below(lo);
    const Moments upto = model_.Below(hi);
    const Moments& t = model_.total();
    // Squared deviations via moments can cancel to a tiny negative; clamp.
    const double clip_lo = below.c * lo * lo - 2 * lo * below.s1 + below.s2;
    const double clip_hi =
        (t.c - upto.c) * hi * hi - 2 * hi * (t.s1 - upto.s1) + (t.s2 - upto.s2);
    const double inside = upto.c - below.c;
    return std::max(clip_lo, 0.0) + std::max(clip_hi, 0.0) + inside * s * s / 12;
  }

 private:
  DensityModel model_;
  ActivationScheme scheme_;
  IntRange range_;
};

// Bin edges k*w strictly inside (from, to), in increasing order.
std::vector<float> EdgesBetween(double from, double to, double w) {
  // Bin edges inside (from, to). A degenerate histogram (one repeated value)
  // can have a bin width far below the span; cap the candidates so the
  // search stays linear in the bin count.
  constexpr double kMaxEdges = 1 << 16;
  if (!(to > from)) return {};
  if (!(w > 0) || !std::isfinite(w) || (to - from) / w > kMaxEdges) w = (to - from) / kMaxEdges;
  std::vector<float> edges;
  for (double k = std::floor(from / w) + 1; k * w < to; ++k) {
    edges.push_back(static_cast<float>(k * w));
  }
  return edges;
}

}  // namespace

std::pair<float, float> MseClipRange(const Histogram& hist, const ActivationScheme& scheme) {
  if (hist.empty()) return {0.0f, 0.0f};
  const float lo = std::min(hist.min(), 0.0f);
  const float hi = std::max(hist.max(), 0.0f);
  const MseObjective cost(hist, scheme);
  std::pair<float, float> best = {lo, hi};
  double best_cost = cost(lo, hi);
  auto consider = [&](float a, float b) {
    const double c = cost(a, b);
    if (c < best_cost) {
      best_cost = c;
      best = {a, b};
    }
  };

  // 1. Thresholds t, widest first.
  const float max_abs = std::max(-lo, hi);
  std::vector<float> ts = EdgesBetween(0.0, max_abs, hist.width());
  for (auto t = ts.rbegin(); t != ts.rend(); ++t) consider(std::max(lo, -*t), std::min(hi, *t));

  // 2. Independent ends, only where they can differ from the sweep.
  if (scheme.symmetric || lo == 0 || hi == 0) return best;
  std::vector<float> as = EdgesBetween(lo, 0.0, hist.width());
  as.insert(as.begin(), lo);
  as.push_back(0.0f);
  std::vector<float> bs = EdgesBetween(0.0, hi, hist.width());
  bs.insert(bs.begin(), 0.0f);
  bs.push_back(hi);
  for (int round = 0; round < 2; ++round) {
    const float b = best.second;
    for (float a : as) consider(a, b);
    const float a = best.first;
    for (auto it = bs.rbegin(); it != bs.rend(); ++it) consider(a, *it);
  }
  return best;
}

}  // namespace quantc
