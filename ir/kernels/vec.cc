#include "ir/kernels/vec.h"

#include <cmath>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "ir/kernels/cpu.h"

namespace quantc {
namespace kernels {
namespace {

void ConvRowPortable(int64_t n, int64_t num_taps, const float* w, const float* const* taps,
                     int64_t stride, float* out) {
  for (int64_t i = 0; i < n; ++i) {
    float acc = 0.0f;
    for (int64_t t = 0; t < num_taps; ++t) acc = std::fma(w[t], taps[t][i * stride], acc);
    out[i] = acc;
  }
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void ConvRowAvx2(int64_t n, int64_t num_taps, const float* w,
                                                     const float* const* taps, int64_t stride,
                                                     float* out) {
  int64_t i = 0;
  if (stride == 1) {
    // 32 outputs per step: four independent chains hide the FMA latency.
    for (; i + 32 <= n; i += 32) {
      __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
      __m256 a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
      for (int64_t t = 0; t < num_taps; ++t) {
        const __m256 wv = _mm256_broadcast_ss(w + t);
        const float* p = taps[t] + i;
        a0 = _mm256_fmadd_ps(wv, _mm256_loadu_ps(p), a0);
        a1 = _mm256_fmadd_ps(wv, _mm256_loadu_ps(p + 8), a1);
        a2 = _mm256_fmadd_ps(wv, _mm256_loadu_ps(p + 16), a2);
        a3 = _mm256_fmadd_ps(wv, _mm256_loadu_ps(p + 24), a3);
      }
      _mm256_storeu_ps(out + i, a0);
      _mm256_storeu_ps(out + i + 8, a1);
      _mm256_storeu_ps(out + i + 16, a2);
      _mm256_storeu_ps(out + i + 24, a3);
    }
    for (; i + 8 <= n; i += 8) {
      __m256 a0 = _mm256_setzero_ps();
      for (int64_t t = 0; t < num_taps; ++t) {
        a0 = _mm256_fmadd_ps(_mm256_broadcast_ss(w + t), _mm256_loadu_ps(taps[t] + i), a0);
      }
      _mm256_storeu_ps(out + i, a0);
    }
  }
  // Remainder (and strided rows): std::fma compiles to scalar vfmadd here.
  for (; i < n; ++i) {
    float acc = 0.0f;
    for (int64_t t = 0; t < num_taps; ++t) acc = std::fma(w[t], taps[t][i * stride], acc);
    out[i] = acc;
  }
}

__attribute__((target("avx2,fma"))) void GatherPanelsAvx2(const float* base, const int32_t* idx,
                                                          int64_t panels, int64_t dst_stride,
                                                          float* dst) {
  const __m256i minus_one = _mm256_set1_epi32(-1);
  for (int64_t q = 0; q < panels; ++q, idx += 16, dst += dst_stride) {
    for (int h = 0; h < 16; h += 8) {
      const __m256i i = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(idx + h));
      const __m256 valid = _mm256_castsi256_ps(_mm256_cmpgt_epi32(i, minus_one));
      // Masked-off lanes are not read and come back as the zero source.
      _mm256_storeu_ps(dst + h, _mm256_mask_i32gather_ps(_mm256_setzero_ps(), base, i, valid, 4));
    }
  }
}
#endif

void GatherPanelsPortable(const float* base, const int32_t* idx, int64_t panels, int64_t dst_stride,
                          float* dst) {
  for (int64_t q = 0; q < panels; ++q, idx += 16, dst += dst_stride) {
    for (int l = 0; l < 16; ++l) dst[l] = idx[l] >= 0 ? base[idx[l]] : 0.0f;
  }
}

}  // namespace

void GatherPanels(const float* base, const int32_t* idx, int64_t panels, int64_t dst_stride,
                  float* dst) {
#if defined(__x86_64__)
  if (UseAvx2()) {
    GatherPanelsAvx2(base, idx, panels, dst_stride, dst);
    return;
  }
#endif
  GatherPanelsPortable(base, idx, panels, dst_stride, dst);
}

void ConvRow(int64_t n, int64_t num_taps, const float* w, const float* const* taps, int64_t stride,
             float* out) {
#if defined(__x86_64__)
  if (UseAvx2()) {
    ConvRowAvx2(n, num_taps, w, taps, stride, out);
    return;
  }
#endif
  ConvRowPortable(n, num_taps, w, taps, stride, out);
}

}  // namespace kernels
}  // namespace quantc
