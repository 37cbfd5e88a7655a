#include "ir/kernels/vec.h"

#include <cmath>

namespace quantc {
namespace kernels {
namespace {

// The same loop compiled twice: with FMA enabled the compiler turns
// std::fma into vfmadd (vectorized for stride 1); without it, std::fma is
// the exactly rounded library call.
#define QC_FMA_AXPY_BODY                                                     \
  if (stride == 1) {                                                         \
    for (int64_t i = 0; i < n; ++i) acc[i] = std::fma(w, x[i], acc[i]);      \
  } else {                                                                   \
    for (int64_t i = 0; i < n; ++i) acc[i] = std::fma(w, x[i * stride], acc[i]); \
  }

void AxpyPortable(int64_t n, float w, const float* x, int64_t stride, float* acc) {
  QC_FMA_AXPY_BODY
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void AxpyAvx2(int64_t n, float w, const float* x,
                                                  int64_t stride, float* acc) {
  QC_FMA_AXPY_BODY
}
#endif

#undef QC_FMA_AXPY_BODY

using AxpyFn = void (*)(int64_t, float, const float*, int64_t, float*);

AxpyFn SelectAxpy() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return AxpyAvx2;
#endif
  return AxpyPortable;
}

}  // namespace

void FmaAxpy(int64_t n, float w, const float* x, int64_t stride, float* acc) {
  static const AxpyFn fn = SelectAxpy();
  fn(n, w, x, stride, acc);
}

}  // namespace kernels
}  // namespace quantc
