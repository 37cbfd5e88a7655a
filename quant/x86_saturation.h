// Which layers of a QDQ model can overflow ONNX Runtime's x86 int8 kernels.
//
// On x86 CPUs without AVX-VNNI, ORT's fused u8s8 GEMM/Conv kernels multiply
// pairs of 8-bit values with vpmaddubsw, which adds the two products in
// saturating int16 arithmetic. An activation code reaches 255 (int8
// activations are shifted to uint8 first) and is never negative, so a pair of
// weights (w_2j, w_2j+1) along the reduction axis can saturate only when both
// have the same sign and 255 * (|w_2j| + |w_2j+1|) > 32767, i.e. their
// magnitudes sum above 128. Pairs start at even K offsets, as ORT's MLAS packs
// K (for Conv, K runs over the weight's C_in x kernel layout). Exact QDQ
// arithmetic and microcontroller kernels accumulate in 32 bits and are
// unaffected; 7-bit weights (|w| <= 63) can never saturate.
#ifndef QUANTC_QUANT_X86_SATURATION_H_
#define QUANTC_QUANT_X86_SATURATION_H_

#include <cstdint>
#include <vector>

#include "ir/graph.h"

namespace quantc {

struct SaturationRisk {
  const Node* node;       ///< the Conv/Gemm/MatMul
  int64_t risky_pairs;    ///< same-sign pairs with |a| + |b| > 128
  int64_t max_pair_sum;   ///< largest same-sign |a| + |b| seen
};

/// Layers whose int8 weights (DequantizeLinear of an int8 initializer) can
/// saturate the int16 pair sums, in node order.
std::vector<SaturationRisk> FindX86SaturationRisks(const Graph& g);

}  // namespace quantc

#endif  // QUANTC_QUANT_X86_SATURATION_H_
