// Single-precision matrix multiply used by Conv, ConvTranspose, Gemm and
// MatMul.
//
// Why a hand-written blocked GEMM rather than Eigen: the interpreter must be
// bit-for-bit deterministic, across thread counts and across machines,
// because calibration statistics flow into the emitted model. Eigen's
// blocking (and therefore its summation order) depends on the cache sizes
// it detects, and its kernels depend on the compile-time ISA. Here every
// output element is one fused multiply-add chain in a fixed order:
//
//   c[i][j] = fma(a[i][K-1], b[K-1][j], ... fma(a[i][0], b[0][j], 0.0f))
//
// The AVX2/FMA kernels and the portable fallback (std::fma, exactly
// rounded) produce identical bits; blocking over K only spills the running
// float sum to memory and back, which is exact. Structure follows the
// BLIS/GotoBLAS scheme: B in K x NR column panels, A in KC x MR row panels,
// a 6x16 register-tiled micro-kernel, and a 1-row kernel over four panels
// at once for matrix-vector products (fully connected layers at batch 1).
#ifndef QUANTC_IR_KERNELS_SGEMM_H_
#define QUANTC_IR_KERNELS_SGEMM_H_

#include <cstdint>

namespace quantc {
namespace kernels {

/// Columns per packed B panel.
inline constexpr int64_t kSgemmNR = 16;

/// Floats needed to pack a K x N matrix B into panels: panel q holds, for
/// each k, columns [q*NR, q*NR + NR) (zero past column N), so element
/// (k, j) lives at (j / NR) * K * NR + k * NR + j % NR.
int64_t PackedBSize(int64_t k, int64_t n);

/// Packs B (element (k, j) at b[k * b_rs + j * b_cs]) into `packed`.
void PackB(int64_t k, int64_t n, const float* b, int64_t b_rs, int64_t b_cs, float* packed);

/// C = A * B with A: M x K, B: K x N, C: M x N (row stride ldc).
/// Element (i, k) of A is a[i * a_rs + k * a_cs]; element (k, j) of B is
/// b[k * b_rs + j * b_cs], so transposed operands need no copy.
void Sgemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_rs, int64_t a_cs,
           const float* b, int64_t b_rs, int64_t b_cs, float* c, int64_t ldc);

/// Same with B already packed by PackB (or written in that layout, as the
/// conv im2col does). Results are bit-identical to Sgemm.
void SgemmPackedB(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_rs, int64_t a_cs,
                  const float* packed_b, float* c, int64_t ldc);

/// Floats needed to pack an M x K matrix A for SgemmPrepacked.
int64_t PackedASize(int64_t m, int64_t k);

/// Packs A (element (i, k) at a[i * a_rs + k * a_cs]) for SgemmPrepacked.
void PackAFull(int64_t m, int64_t k, const float* a, int64_t a_rs, int64_t a_cs, float* packed);

/// C = A * B with both operands packed (PackAFull, PackB). Lets callers
/// pack constant weights once. Results are bit-identical to Sgemm.
void SgemmPrepacked(int64_t m, int64_t n, int64_t k, const float* packed_a, const float* packed_b,
                    float* c, int64_t ldc);

/// Same contract in double precision (a simple loop; f64 models are rare).
void Dgemm(int64_t m, int64_t n, int64_t k, const double* a, int64_t a_rs, int64_t a_cs,
           const double* b, int64_t b_rs, int64_t b_cs, double* c, int64_t ldc);

}  // namespace kernels
}  // namespace quantc

#endif  // QUANTC_IR_KERNELS_SGEMM_H_
