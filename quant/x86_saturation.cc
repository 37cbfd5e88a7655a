#include "quant/x86_saturation.h"

#include <cstdlib>

namespace quantc {
namespace {

constexpr int64_t kSafePairSum = 128;  // 255 * 128 = 32640 <= 32767

// The int8 weight behind a weighted node's input 1, or nullptr.
const Tensor* Int8Weight(const Node& n) {
  const Value* w = n.input(1);
  const Node* dq = w ? w->producer() : nullptr;
  if (!dq || dq->op_type() != "DequantizeLinear" || !dq->input(0)->is_initializer()) return nullptr;
  const Tensor& t = dq->input(0)->initializer();
  return t.dtype() == DType::kInt8 && t.rank() >= 2 ? &t : nullptr;
}

// Walks every output channel's reduction vector: (stride between
// consecutive k, number of k, start offset per channel).
struct Layout {
  int64_t channels, k, channel_stride, k_stride;
};

Layout LayoutOf(const Node& n, const Tensor& w) {
  const auto& d = w.dims();
  bool k_major = n.op_type() == "MatMul" || (n.op_type() == "Gemm" && !n.GetInt("transB", 0));
  if (k_major) {  // [K, N]: channel n is a column
    int64_t cols = d.back();
    return {cols, w.num_elements() / cols, 1, cols};
  }
  int64_t k = w.num_elements() / d[0];  // [C_out, ...]: channel c is a row
  return {d[0], k, k, 1};
}

}  // namespace

std::vector<SaturationRisk> FindX86SaturationRisks(const Graph& g) {
  std::vector<SaturationRisk> risks;
  for (const Node* n : g.nodes()) {
    const std::string& op = n->op_type();
    if (op != "Conv" && op != "Gemm" && op != "MatMul") continue;
    const Tensor* w = Int8Weight(*n);
    if (!w) continue;
    Layout l = LayoutOf(*n, *w);
    absl::Span<const int8_t> q = w->data<int8_t>();
    SaturationRisk r{n, 0, 0};
    for (int64_t c = 0; c < l.channels; ++c) {
      for (int64_t k = 0; k + 1 < l.k; k += 2) {
        int64_t a = q[c * l.channel_stride + k * l.k_stride];
        int64_t b = q[c * l.channel_stride + (k + 1) * l.k_stride];
        if ((a < 0) != (b < 0)) continue;  // opposite signs cancel
        int64_t sum = std::abs(a) + std::abs(b);
        r.max_pair_sum = std::max(r.max_pair_sum, sum);
        if (sum > kSafePairSum) ++r.risky_pairs;
      }
    }
    if (r.risky_pairs > 0) risks.push_back(r);
  }
  return risks;
}

}  // namespace quantc
