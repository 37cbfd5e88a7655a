// EntropyClipRange: KL-divergence ("entropy") calibration, the threshold
// search of TensorRT's int8 entropy calibrator (Migacz, "8-bit Inference
// with TensorRT", GTC 2017), also used by ONNX Runtime's and MXNet's entropy
// calibrators. Restated for our histogram (no code is taken from them):
//
//   m_j = count of |x| in [jW, (j+1)W), j = 0..M-1. The histogram grid is
//         anchored at zero, so this is an exact fold: grid bin k >= 0 goes
//         to j = k, k < 0 to j = -k-1. Non-negative data folds to itself.
//   levels = 2^(bits-1) for signed data (one half of a grid symmetric about
//         zero), 2^bits for non-negative data (the whole grid on [0, T]).
//   For each candidate i = levels..M (threshold T = i W):
//     P = m_0..m_{i-1}, plus the clipped mass o = sum_{j>=i} m_j added to
//         P_{i-1}: clipping piles the outliers onto the edge.
//     Q = bins 0..i-1 merged into `levels` chunks (chunk l covers bins
//         [floor(l i / levels), floor((l+1) i / levels))): each chunk's
//         mass, without o, spread evenly over the chunk's bins where P > 0.
//         This is what quantizing to one level per chunk and expanding back
//         gives.
//     D(i) = KL(P || Q) = sum_j p_j log(p_j / q_j), p and q normalised.
//   The threshold is the i with the smallest D (the first, scanning up).
//
// Deliberate differences from the published description:
//   * Chunks are split as evenly as possible; the reference gives the
//     remainder bins to the last chunk.
//   * Cost O(levels) per candidate instead of O(i): on P's support q is
//     constant within a chunk, so with P_l the P-mass of chunk l and q_l
//     its normalised per-bin Q value (P sums to n),
//       D = (sum_j P_j log P_j) / n - log n - (sum_l P_l log q_l) / n
//     and sum_j P_j log P_j comes from prefix sums of m log m.
//
// Smoothing. Where q is 0 but p is not - the clipped mass landing on a chunk
// that is otherwise empty, e.g. a threshold between the bulk of the data and
// isolated outliers - D would be infinite. As in the published
// implementations (MXNet's and ONNX Runtime's, which smooth both
// distributions this way), such bins get q = eps (1e-4) and the others are
// scaled by (1 - eps * Z), Z the number of such bins. Without it, outliers
// beyond a gap in the histogram could never be clipped.
//
// Exact zeros (Histogram::zeros()) are left out of P and Q: every grid
// represents 0 exactly, and otherwise a ReLU's spike at 0 dominates the
// divergence - merging the zero bin with its neighbour in one chunk costs
// far more than any clipping, so thresholds jump to wherever bin 0 still
// has a chunk of its own (observed: half of a ReLU'd Gaussian's range).
//
// If the folded histogram has no more than `levels` bins there is nothing to
// search (the data already fits the grid) and the full range is returned.
// The search sees |x|, so for signed data the threshold is symmetric:
// [max(min, -T), min(max, T)].
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "quant/clip_search.h"

namespace quantc {
namespace {

double XLogX(double x) { return x > 0 ? x * std::log(x) : 0.0; }

class FoldedHistogram {
 public:
  explicit FoldedHistogram(const Histogram& h) {
    for (int j = 0; j < h.num_bins(); ++j) {
      if (h.counts()[j] == 0) continue;
      const int64_t k = h.first_index() + j;
      const size_t f = static_cast<size_t>(k >= 0 ? k : -k - 1);
      if (f >= m_.size()) m_.resize(f + 1, 0.0);
      m_[f] += static_cast<double>(h.counts()[j]);
    }
    if (!m_.empty()) m_[0] -= static_cast<double>(h.zeros());  // grid bin 0 -> fold 0
    mass_.assign(m_.size() + 1, 0.0);
    mlogm_.assign(m_.size() + 1, 0.0);
    nonzero_.assign(m_.size() + 1, 0);
    for (size_t j = 0; j < m_.size(); ++j) {
      mass_[j + 1] = mass_[j] + m_[j];
      mlogm_[j + 1] = mlogm_[j] + XLogX(m_[j]);
      nonzero_[j + 1] = nonzero_[j] + (m_[j] > 0 ? 1 : 0);
    }
  }

  int64_t size() const { return static_cast<int64_t>(m_.size()); }
  bool empty() const { return mass_.back() == 0; }  // nothing but zeros

  // D(i) for a threshold after bin i - 1 and `levels` quantization levels.
  double Divergence(int64_t i, int64_t levels) const {
    constexpr double kEps = 1e-4;
    const double n = mass_.back();
    const double kept = mass_[i];
    const double clipped = n - kept;
    if (kept <= 0) return std::numeric_limits<double>::infinity();
    const double last = m_[i - 1] + clipped;  // P_{i-1}
    const double p_log_p = mlogm_[i - 1] + XLogX(last);
    double p_log_q = 0;      // sum over chunks with Q mass of P_l log q_l
    double smoothed_p = 0;   // P mass on bins where Q is 0
    int64_t smoothed = 0;    // number of such bins
    for (int64_t l = 0; l < levels; ++l) {
      const int64_t a = l * i / levels;
      const int64_t b = (l + 1) * i / levels;
      const bool is_last = b == i;
      const double chunk = mass_[b] - mass_[a];
      const double p_mass = chunk + (is_last ? clipped : 0.0);
      if (p_mass == 0) continue;
      // Bins of the chunk where P > 0; the last bin counts once clipped
      // mass lands on it even if its own count is zero.
      int64_t support = nonzero_[b] - nonzero_[a];
      if (is_last && m_[i - 1] == 0 && clipped > 0) ++support;
      if (chunk == 0) {
        smoothed_p += p_mass;
        smoothed += support;
        continue;
      }
      p_log_q += p_mass * std::log(chunk / static_cast<double>(support) / kept);
    }
    if (smoothed > 0) {
      p_log_q += (n - smoothed_p) * std::log1p(-kEps * static_cast<double>(smoothed)) +
                 smoothed_p * std::log(kEps);
    }
    return p_log_p / n - std::log(n) - p_log_q / n;
  }

 private:
  std::vector<double> m_;         // folded counts
  std::vector<double> mass_;      // prefix sums of m
  std::vector<double> mlogm_;     // prefix sums of m log m
  std::vector<int64_t> nonzero_;  // prefix counts of m > 0
};

}  // namespace

std::pair<float, float> EntropyClipRange(const Histogram& hist, const ActivationScheme& scheme) {
  if (hist.empty()) return {0.0f, 0.0f};
  const float lo = std::min(hist.min(), 0.0f);
  const float hi = std::max(hist.max(), 0.0f);
  const bool signed_data = lo < 0;
  const int64_t levels = int64_t{1} << (signed_data ? scheme.bits - 1 : scheme.bits);
  const FoldedHistogram folded(hist);
  if (folded.size() <= levels || folded.empty()) return {lo, hi};

  int64_t best_i = folded.size();
  double best = std::numeric_limits<double>::infinity();
  for (int64_t i = levels; i <= folded.size(); ++i) {
    const double d = folded.Divergence(i, levels);
    if (d < best) {
      best = d;
      best_i = i;
    }
  }
  const float max_abs = std::max(-lo, hi);
  const float t = std::min(static_cast<float>(static_cast<double>(best_i) * hist.width()), max_abs);
  return {std::max(lo, -t), std::min(hi, t)};
}

}  // namespace quantc
