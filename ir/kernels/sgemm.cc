#include "ir/kernels/sgemm.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace quantc {
namespace kernels {
namespace {

constexpr int64_t kMR = 6;    // rows of the register tile
constexpr int64_t kNR = 16;   // columns of the register tile (2 AVX vectors)
constexpr int64_t kKC = 256;  // K block: one packed B panel (16 KiB) stays in L1
constexpr int64_t kMC = 72;   // M block: packed A (72 KiB) stays in L2
constexpr int64_t kNC = 1024; // N block: packed B (1 MiB) stays in L2/L3

// Packs rows [i0, i0+mc) x cols [p0, p0+kc) of A into MR-row panels:
// panel r holds, for each k, the MR values A(i0 + r*MR + 0..MR-1, p0 + k),
// zero-filled past the last row.
void PackA(const float* a, int64_t a_rs, int64_t a_cs, int64_t i0, int64_t mc, int64_t p0,
           int64_t kc, float* dst) {
  for (int64_t r = 0; r < mc; r += kMR) {
    const int64_t rows = std::min(kMR, mc - r);
    for (int64_t p = 0; p < kc; ++p) {
      const float* src = a + (i0 + r) * a_rs + (p0 + p) * a_cs;
      int64_t i = 0;
      for (; i < rows; ++i) dst[i] = src[i * a_rs];
      for (; i < kMR; ++i) dst[i] = 0.0f;
      dst += kMR;
    }
  }
}

// Packs rows [p0, p0+kc) x cols [j0, j0+nc) of B into NR-column panels.
void PackB(const float* b, int64_t b_rs, int64_t b_cs, int64_t p0, int64_t kc, int64_t j0,
           int64_t nc, float* dst) {
  for (int64_t q = 0; q < nc; q += kNR) {
    const int64_t cols = std::min(kNR, nc - q);
    for (int64_t p = 0; p < kc; ++p) {
      const float* src = b + (p0 + p) * b_rs + (j0 + q) * b_cs;
      int64_t j = 0;
      if (b_cs == 1) {
        std::memcpy(dst, src, cols * sizeof(float));
        j = cols;
      } else {
        for (; j < cols; ++j) dst[j] = src[j * b_cs];
      }
      for (; j < kNR; ++j) dst[j] = 0.0f;
      dst += kNR;
    }
  }
}

// acc (MR x NR, row-major) = fma-chain over kc packed steps, starting from
// `acc`'s current contents.
void MicroKernelPortable(int64_t kc, const float* ap, const float* bp, float* acc) {
  for (int64_t p = 0; p < kc; ++p) {
    for (int64_t i = 0; i < kMR; ++i) {
      const float av = ap[p * kMR + i];
      for (int64_t j = 0; j < kNR; ++j) {
        acc[i * kNR + j] = std::fma(av, bp[p * kNR + j], acc[i * kNR + j]);
      }
    }
  }
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void MicroKernelAvx2(int64_t kc, const float* ap,
                                                         const float* bp, float* acc) {
  __m256 c00 = _mm256_loadu_ps(acc + 0 * kNR), c01 = _mm256_loadu_ps(acc + 0 * kNR + 8);
  __m256 c10 = _mm256_loadu_ps(acc + 1 * kNR), c11 = _mm256_loadu_ps(acc + 1 * kNR + 8);
  __m256 c20 = _mm256_loadu_ps(acc + 2 * kNR), c21 = _mm256_loadu_ps(acc + 2 * kNR + 8);
  __m256 c30 = _mm256_loadu_ps(acc + 3 * kNR), c31 = _mm256_loadu_ps(acc + 3 * kNR + 8);
  __m256 c40 = _mm256_loadu_ps(acc + 4 * kNR), c41 = _mm256_loadu_ps(acc + 4 * kNR + 8);
  __m256 c50 = _mm256_loadu_ps(acc + 5 * kNR), c51 = _mm256_loadu_ps(acc + 5 * kNR + 8);
  for (int64_t p = 0; p < kc; ++p) {
    const __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
    __m256 a = _mm256_broadcast_ss(ap + 0);
    c00 = _mm256_fmadd_ps(a, b0, c00);
    c01 = _mm256_fmadd_ps(a, b1, c01);
    a = _mm256_broadcast_ss(ap + 1);
    c10 = _mm256_fmadd_ps(a, b0, c10);
    c11 = _mm256_fmadd_ps(a, b1, c11);
    a = _mm256_broadcast_ss(ap + 2);
    c20 = _mm256_fmadd_ps(a, b0, c20);
    c21 = _mm256_fmadd_ps(a, b1, c21);
    a = _mm256_broadcast_ss(ap + 3);
    c30 = _mm256_fmadd_ps(a, b0, c30);
    c31 = _mm256_fmadd_ps(a, b1, c31);
    a = _mm256_broadcast_ss(ap + 4);
    c40 = _mm256_fmadd_ps(a, b0, c40);
    c41 = _mm256_fmadd_ps(a, b1, c41);
    a = _mm256_broadcast_ss(ap + 5);
    c50 = _mm256_fmadd_ps(a, b0, c50);
    c51 = _mm256_fmadd_ps(a, b1, c51);
    ap += kMR;
    bp += kNR;
  }
  _mm256_storeu_ps(acc + 0 * kNR, c00), _mm256_storeu_ps(acc + 0 * kNR + 8, c01);
  _mm256_storeu_ps(acc + 1 * kNR, c10), _mm256_storeu_ps(acc + 1 * kNR + 8, c11);
  _mm256_storeu_ps(acc + 2 * kNR, c20), _mm256_storeu_ps(acc + 2 * kNR + 8, c21);
  _mm256_storeu_ps(acc + 3 * kNR, c30), _mm256_storeu_ps(acc + 3 * kNR + 8, c31);
  _mm256_storeu_ps(acc + 4 * kNR, c40), _mm256_storeu_ps(acc + 4 * kNR + 8, c41);
  _mm256_storeu_ps(acc + 5 * kNR, c50), _mm256_storeu_ps(acc + 5 * kNR + 8, c51);
}
#endif

using MicroKernelFn = void (*)(int64_t, const float*, const float*, float*);

MicroKernelFn SelectMicroKernel() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return MicroKernelAvx2;
#endif
  return MicroKernelPortable;
}

MicroKernelFn MicroKernel() {
  static const MicroKernelFn fn = SelectMicroKernel();
  return fn;
}

}  // namespace

bool SgemmUsesAvx2() { return MicroKernel() != MicroKernelPortable; }

void Sgemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_rs, int64_t a_cs,
           const float* b, int64_t b_rs, int64_t b_cs, float* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    for (int64_t i = 0; i < m; ++i) std::fill_n(c + i * ldc, n, 0.0f);
    return;
  }
  const MicroKernelFn kernel = MicroKernel();
  // Scratch reused across calls on the same thread (the interpreter is
  // single-threaded per Run, so one buffer per thread suffices).
  thread_local std::vector<float> a_pack, b_pack;
  const int64_t nc_max = std::min(kNC, (n + kNR - 1) / kNR * kNR);
  const int64_t mc_max = std::min(kMC, (m + kMR - 1) / kMR * kMR);
  b_pack.resize(static_cast<size_t>(std::min(kKC, k) * nc_max));
  a_pack.resize(static_cast<size_t>(std::min(kKC, k) * mc_max));
  alignas(32) float tile[kMR * kNR];
  for (int64_t j0 = 0; j0 < n; j0 += kNC) {
    const int64_t nc = std::min(kNC, n - j0);
    for (int64_t p0 = 0; p0 < k; p0 += kKC) {
      const int64_t kc = std::min(kKC, k - p0);
      const bool first = p0 == 0;
      PackB(b, b_rs, b_cs, p0, kc, j0, nc, b_pack.data());
      for (int64_t i0 = 0; i0 < m; i0 += kMC) {
        const int64_t mc = std::min(kMC, m - i0);
        PackA(a, a_rs, a_cs, i0, mc, p0, kc, a_pack.data());
        for (int64_t jr = 0; jr < nc; jr += kNR) {
          const int64_t cols = std::min(kNR, nc - jr);
          const float* bp = b_pack.data() + jr * kc;
          for (int64_t ir = 0; ir < mc; ir += kMR) {
            const int64_t rows = std::min(kMR, mc - ir);
            float* ct = c + (i0 + ir) * ldc + j0 + jr;
            // The running sums start at +0 for the first K block and
            // continue from C for later ones.
            for (int64_t i = 0; i < kMR; ++i) {
              for (int64_t j = 0; j < kNR; ++j) {
                tile[i * kNR + j] = (!first && i < rows && j < cols) ? ct[i * ldc + j] : 0.0f;
              }
            }
            kernel(kc, a_pack.data() + ir * kc, bp, tile);
            for (int64_t i = 0; i < rows; ++i) {
              std::memcpy(ct + i * ldc, tile + i * kNR, cols * sizeof(float));
            }
          }
        }
      }
    }
  }
}

void Dgemm(int64_t m, int64_t n, int64_t k, const double* a, int64_t a_rs, int64_t a_cs,
           const double* b, int64_t b_rs, int64_t b_cs, double* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i) {
    double* ci = c + i * ldc;
    std::fill_n(ci, n, 0.0);
    for (int64_t p = 0; p < k; ++p) {
      const double av = a[i * a_rs + p * a_cs];
      for (int64_t j = 0; j < n; ++j) ci[j] = std::fma(av, b[p * b_rs + j * b_cs], ci[j]);
    }
  }
}

}  // namespace kernels
}  // namespace quantc
