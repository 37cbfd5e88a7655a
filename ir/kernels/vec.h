// Small vector primitives with the same rounding everywhere: one fused
// multiply-add per element (AVX2/FMA when the CPU has it, std::fma
// otherwise — identical bits either way, see sgemm.h).
#ifndef QUANTC_IR_KERNELS_VEC_H_
#define QUANTC_IR_KERNELS_VEC_H_

#include <cstdint>

namespace quantc {
namespace kernels {

/// acc[i] = fma(w, x[i * stride], acc[i]) for i in [0, n).
void FmaAxpy(int64_t n, float w, const float* x, int64_t stride, float* acc);

}  // namespace kernels
}  // namespace quantc

#endif  // QUANTC_IR_KERNELS_VEC_H_
