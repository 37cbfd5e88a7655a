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

/// For q in [0, panels), l in [0, 16): dst[q * dst_stride + l] =
/// (idx[q * 16 + l] >= 0 ? base[idx[q * 16 + l]] : 0). The im2col of small
/// images is one such gather per (channel, tap).
void GatherPanels(const float* base, const int32_t* idx, int64_t panels, int64_t dst_stride,
                  float* dst);

}  // namespace kernels
}  // namespace quantc

#endif  // QUANTC_IR_KERNELS_VEC_H_
