#include "ir/kernels/sgemm.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "ir/kernels/cpu.h"

namespace quantc {
namespace kernels {
namespace {

constexpr int64_t kMR = 6;          // rows of the register tile
constexpr int64_t kNR = kSgemmNR;   // columns of the register tile (2 AVX vectors)
constexpr int64_t kKC = 256;        // K block: a B panel slice (16 KiB) stays in L1
constexpr int64_t kGemvPanels = 4;  // the 1-row kernel covers 4 panels (64 columns)

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

// ---- Kernels. Each computes, for its tile, acc = (accumulate ? C : 0)
// followed by one FMA per k in ascending order, and stores to C. ----

// MR x NR tile; `bp` walks one packed panel (NR floats per k).
void TilePortable(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc,
                  bool accumulate) {
  float acc[kMR][kNR];
  for (int64_t i = 0; i < kMR; ++i)
    for (int64_t j = 0; j < kNR; ++j) acc[i][j] = accumulate ? c[i * ldc + j] : 0.0f;
  for (int64_t p = 0; p < kc; ++p)
    for (int64_t i = 0; i < kMR; ++i)
      for (int64_t j = 0; j < kNR; ++j)
        acc[i][j] = std::fma(ap[p * kMR + i], bp[p * kNR + j], acc[i][j]);
  for (int64_t i = 0; i < kMR; ++i)
    for (int64_t j = 0; j < kNR; ++j) c[i * ldc + j] = acc[i][j];
}

// One row against `panels` (<= 4) panels spaced `panel_stride` apart; the
// row's k-th value is a[k * a_cs].
void RowPortable(int64_t kc, const float* a, int64_t a_cs, const float* bp, int64_t panel_stride,
                 int64_t panels, float* c, bool accumulate) {
  for (int64_t q = 0; q < panels; ++q) {
    float acc[kNR];
    for (int64_t j = 0; j < kNR; ++j) acc[j] = accumulate ? c[q * kNR + j] : 0.0f;
    const float* b = bp + q * panel_stride;
    for (int64_t p = 0; p < kc; ++p)
      for (int64_t j = 0; j < kNR; ++j) acc[j] = std::fma(a[p * a_cs], b[p * kNR + j], acc[j]);
    for (int64_t j = 0; j < kNR; ++j) c[q * kNR + j] = acc[j];
  }
}

#if defined(__x86_64__)
#define QC_AVX2 __attribute__((target("avx2,fma")))

// Named accumulators (not an array): GCC keeps arrays of vectors on the
// stack and stores them every iteration, which halves the speed.
QC_AVX2 void TileAvx2(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc,
                      bool accumulate) {
  __m256 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
  if (accumulate) {
    c00 = _mm256_loadu_ps(c + 0 * ldc), c01 = _mm256_loadu_ps(c + 0 * ldc + 8);
    c10 = _mm256_loadu_ps(c + 1 * ldc), c11 = _mm256_loadu_ps(c + 1 * ldc + 8);
    c20 = _mm256_loadu_ps(c + 2 * ldc), c21 = _mm256_loadu_ps(c + 2 * ldc + 8);
    c30 = _mm256_loadu_ps(c + 3 * ldc), c31 = _mm256_loadu_ps(c + 3 * ldc + 8);
    c40 = _mm256_loadu_ps(c + 4 * ldc), c41 = _mm256_loadu_ps(c + 4 * ldc + 8);
    c50 = _mm256_loadu_ps(c + 5 * ldc), c51 = _mm256_loadu_ps(c + 5 * ldc + 8);
  } else {
    c00 = c01 = c10 = c11 = c20 = c21 = _mm256_setzero_ps();
    c30 = c31 = c40 = c41 = c50 = c51 = _mm256_setzero_ps();
  }
  for (int64_t p = 0; p < kc; ++p) {
    const __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
    __m256 a = _mm256_broadcast_ss(ap + 0);
    c00 = _mm256_fmadd_ps(a, b0, c00), c01 = _mm256_fmadd_ps(a, b1, c01);
    a = _mm256_broadcast_ss(ap + 1);
    c10 = _mm256_fmadd_ps(a, b0, c10), c11 = _mm256_fmadd_ps(a, b1, c11);
    a = _mm256_broadcast_ss(ap + 2);
    c20 = _mm256_fmadd_ps(a, b0, c20), c21 = _mm256_fmadd_ps(a, b1, c21);
    a = _mm256_broadcast_ss(ap + 3);
    c30 = _mm256_fmadd_ps(a, b0, c30), c31 = _mm256_fmadd_ps(a, b1, c31);
    a = _mm256_broadcast_ss(ap + 4);
    c40 = _mm256_fmadd_ps(a, b0, c40), c41 = _mm256_fmadd_ps(a, b1, c41);
    a = _mm256_broadcast_ss(ap + 5);
    c50 = _mm256_fmadd_ps(a, b0, c50), c51 = _mm256_fmadd_ps(a, b1, c51);
    ap += kMR;
    bp += kNR;
  }
  _mm256_storeu_ps(c + 0 * ldc, c00), _mm256_storeu_ps(c + 0 * ldc + 8, c01);
  _mm256_storeu_ps(c + 1 * ldc, c10), _mm256_storeu_ps(c + 1 * ldc + 8, c11);
  _mm256_storeu_ps(c + 2 * ldc, c20), _mm256_storeu_ps(c + 2 * ldc + 8, c21);
  _mm256_storeu_ps(c + 3 * ldc, c30), _mm256_storeu_ps(c + 3 * ldc + 8, c31);
  _mm256_storeu_ps(c + 4 * ldc, c40), _mm256_storeu_ps(c + 4 * ldc + 8, c41);
  _mm256_storeu_ps(c + 5 * ldc, c50), _mm256_storeu_ps(c + 5 * ldc + 8, c51);
}

QC_AVX2 void RowAvx2(int64_t kc, const float* a, int64_t a_cs, const float* bp,
                     int64_t panel_stride, int64_t panels, float* c, bool accumulate) {
  if (panels != kGemvPanels) {
    // The last few panels of a row: one panel at a time.
    for (int64_t q = 0; q < panels; ++q) {
      const float* b = bp + q * panel_stride;
      float* cq = c + q * kNR;
      __m256 c0 = accumulate ? _mm256_loadu_ps(cq) : _mm256_setzero_ps();
      __m256 c1 = accumulate ? _mm256_loadu_ps(cq + 8) : _mm256_setzero_ps();
      for (int64_t p = 0; p < kc; ++p) {
        const __m256 av = _mm256_broadcast_ss(a + p * a_cs);
        c0 = _mm256_fmadd_ps(av, _mm256_loadu_ps(b + p * kNR), c0);
        c1 = _mm256_fmadd_ps(av, _mm256_loadu_ps(b + p * kNR + 8), c1);
      }
      _mm256_storeu_ps(cq, c0);
      _mm256_storeu_ps(cq + 8, c1);
    }
    return;
  }
  // Eight independent accumulator chains hide the FMA latency.
  const float* b0 = bp;
  const float* b1 = bp + panel_stride;
  const float* b2 = bp + 2 * panel_stride;
  const float* b3 = bp + 3 * panel_stride;
  __m256 c00, c01, c10, c11, c20, c21, c30, c31;
  if (accumulate) {
    c00 = _mm256_loadu_ps(c + 0), c01 = _mm256_loadu_ps(c + 8);
    c10 = _mm256_loadu_ps(c + 16), c11 = _mm256_loadu_ps(c + 24);
    c20 = _mm256_loadu_ps(c + 32), c21 = _mm256_loadu_ps(c + 40);
    c30 = _mm256_loadu_ps(c + 48), c31 = _mm256_loadu_ps(c + 56);
  } else {
    c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = _mm256_setzero_ps();
  }
  for (int64_t p = 0; p < kc; ++p) {
    const __m256 av = _mm256_broadcast_ss(a + p * a_cs);
    const int64_t o = p * kNR;
    c00 = _mm256_fmadd_ps(av, _mm256_loadu_ps(b0 + o), c00);
    c01 = _mm256_fmadd_ps(av, _mm256_loadu_ps(b0 + o + 8), c01);
    c10 = _mm256_fmadd_ps(av, _mm256_loadu_ps(b1 + o), c10);
    c11 = _mm256_fmadd_ps(av, _mm256_loadu_ps(b1 + o + 8), c11);
    c20 = _mm256_fmadd_ps(av, _mm256_loadu_ps(b2 + o), c20);
    c21 = _mm256_fmadd_ps(av, _mm256_loadu_ps(b2 + o + 8), c21);
    c30 = _mm256_fmadd_ps(av, _mm256_loadu_ps(b3 + o), c30);
    c31 = _mm256_fmadd_ps(av, _mm256_loadu_ps(b3 + o + 8), c31);
  }
  _mm256_storeu_ps(c + 0, c00), _mm256_storeu_ps(c + 8, c01);
  _mm256_storeu_ps(c + 16, c10), _mm256_storeu_ps(c + 24, c11);
  _mm256_storeu_ps(c + 32, c20), _mm256_storeu_ps(c + 40, c21);
  _mm256_storeu_ps(c + 48, c30), _mm256_storeu_ps(c + 56, c31);
}
#undef QC_AVX2
#endif

struct Kernels {
  void (*tile)(int64_t, const float*, const float*, float*, int64_t, bool);
  void (*row)(int64_t, const float*, int64_t, const float*, int64_t, int64_t, float*, bool);
};

const Kernels& K() {
#if defined(__x86_64__)
  static const Kernels avx2 = {TileAvx2, RowAvx2};
  if (UseAvx2()) return avx2;
#endif
  static const Kernels portable = {TilePortable, RowPortable};
  return portable;
}

// Matrix-vector rows (m small): each row of A against all panels, four
// panels per kernel call; the last partial group goes through a buffer.
void GemvRows(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_rs, int64_t a_cs,
              const float* packed_b, float* c, int64_t ldc) {
  const int64_t panels = (n + kNR - 1) / kNR;
  const int64_t stride = k * kNR;
  float buf[kGemvPanels * kNR];
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t q = 0; q < panels; q += kGemvPanels) {
      const int64_t np = std::min(kGemvPanels, panels - q);
      const int64_t cols = std::min(np * kNR, n - q * kNR);
      float* dst = c + i * ldc + q * kNR;
      const bool direct = cols == np * kNR;
      K().row(k, a + i * a_rs, a_cs, packed_b + q * stride, stride, np, direct ? dst : buf, false);
      if (!direct) std::memcpy(dst, buf, cols * sizeof(float));
    }
  }
}

}  // namespace

int64_t PackedBSize(int64_t k, int64_t n) { return (n + kNR - 1) / kNR * kNR * k; }

void PackB(int64_t k, int64_t n, const float* b, int64_t b_rs, int64_t b_cs, float* packed) {
  for (int64_t q = 0; q < n; q += kNR) {
    const int64_t cols = std::min(kNR, n - q);
    for (int64_t p = 0; p < k; ++p) {
      const float* src = b + p * b_rs + q * b_cs;
      int64_t j = 0;
      if (b_cs == 1) {
        std::memcpy(packed, src, cols * sizeof(float));
        j = cols;
      } else {
        for (; j < cols; ++j) packed[j] = src[j * b_cs];
      }
      for (; j < kNR; ++j) packed[j] = 0.0f;
      packed += kNR;
    }
  }
}

int64_t PackedASize(int64_t m, int64_t k) { return (m + kMR - 1) / kMR * kMR * k; }

void PackAFull(int64_t m, int64_t k, const float* a, int64_t a_rs, int64_t a_cs, float* packed) {
  const int64_t m_pad = (m + kMR - 1) / kMR * kMR;
  for (int64_t p0 = 0; p0 < k; p0 += kKC) {
    PackA(a, a_rs, a_cs, 0, m, p0, std::min(kKC, k - p0), packed + p0 * m_pad);
  }
}

void SgemmPrepacked(int64_t m, int64_t n, int64_t k, const float* packed_a, const float* packed_b,
                    float* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    for (int64_t i = 0; i < m; ++i) std::fill_n(c + i * ldc, n, 0.0f);
    return;
  }
  const int64_t m_pad = (m + kMR - 1) / kMR * kMR;
  const int64_t panel_stride = k * kNR;
  float tile[kMR * kNR];
  for (int64_t p0 = 0; p0 < k; p0 += kKC) {
    const int64_t kc = std::min(kKC, k - p0);
    const bool accumulate = p0 > 0;  // later K blocks continue from C
    const float* a_block = packed_a + p0 * m_pad;
    for (int64_t j = 0; j < n; j += kNR) {
      const int64_t cols = std::min(kNR, n - j);
      const float* bp = packed_b + (j / kNR) * panel_stride + p0 * kNR;
      for (int64_t ir = 0; ir < m; ir += kMR) {
        const int64_t rows = std::min(kMR, m - ir);
        float* ct = c + ir * ldc + j;
        const float* ap = a_block + ir * kc;
        if (rows == kMR && cols == kNR) {
          K().tile(kc, ap, bp, ct, ldc, accumulate);
          continue;
        }
        // Edge tile: run on a full-size buffer, copy the valid part.
        if (accumulate) {
          for (int64_t i = 0; i < rows; ++i) {
            std::memcpy(tile + i * kNR, ct + i * ldc, cols * sizeof(float));
          }
        }
        K().tile(kc, ap, bp, tile, kNR, accumulate);
        for (int64_t i = 0; i < rows; ++i) {
          std::memcpy(ct + i * ldc, tile + i * kNR, cols * sizeof(float));
        }
      }
    }
  }
}

void SgemmPackedB(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_rs, int64_t a_cs,
                  const float* packed_b, float* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  // Below a full register tile of rows, the 1-row kernel wastes nothing.
  if (m < kMR / 2 && k > 0) {
    GemvRows(m, n, k, a, a_rs, a_cs, packed_b, c, ldc);
    return;
  }
  // Scratch reused across calls on the same thread.
  thread_local std::vector<float> a_pack;
  a_pack.resize(static_cast<size_t>(PackedASize(m, std::max<int64_t>(k, 0))));
  PackAFull(m, k, a, a_rs, a_cs, a_pack.data());
  SgemmPrepacked(m, n, k, a_pack.data(), packed_b, c, ldc);
}

void Sgemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_rs, int64_t a_cs,
           const float* b, int64_t b_rs, int64_t b_cs, float* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  thread_local std::vector<float> b_pack;
  b_pack.resize(static_cast<size_t>(PackedBSize(std::max<int64_t>(k, 0), n)));
  PackB(k, n, b, b_rs, b_cs, b_pack.data());
  SgemmPackedB(m, n, k, a, a_rs, a_cs, b_pack.data(), c, ldc);
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
