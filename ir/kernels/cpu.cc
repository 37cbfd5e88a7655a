#include "ir/kernels/cpu.h"

#include <atomic>

namespace quantc {
namespace kernels {
namespace {

bool DetectAvx2() {
#if defined(__x86_64__)
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

std::atomic<bool> g_force_portable{false};

}  // namespace

bool UseAvx2() {
  static const bool has_avx2 = DetectAvx2();
  return has_avx2 && !g_force_portable.load(std::memory_order_relaxed);
}

void ForcePortableKernelsForTesting(bool portable) { g_force_portable.store(portable); }

}  // namespace kernels
}  // namespace quantc
