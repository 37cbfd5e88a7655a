// Small vector primitives with the same rounding everywhere: one fused
// multiply-add per element (AVX2/FMA when the CPU has it, std::fma
// otherwise — identical bits either way, see sgemm.h).
#ifndef QUANTC_IR_KERNELS_VEC_H_
#define QUANTC_IR_KERNELS_VEC_H_

#include <cstdint>

namespace quantc {
namespace kernels {

/// One output row of a direct (depthwise) convolution over a zero-padded
/// input: for i in [0, n),
///   out[i] = fma(w[T-1], taps[T-1][i*stride], ... fma(w[0], taps[0][i*stride], 0))
/// where taps[t] points at the input element tap t reads for output 0.
void ConvRow(int64_t n, int64_t num_taps, const float* w, const float* const* taps, int64_t stride,
             float* out);

}  // namespace kernels
}  // namespace quantc

#endif  // QUANTC_IR_KERNELS_VEC_H_
