// Which SIMD kernels the float paths use. AVX2+FMA kernels are chosen at
// run time when the CPU has them; the portable kernels (std::fma) compute
// the same bits, which the tests check by forcing the portable path.
#ifndef QUANTC_IR_KERNELS_CPU_H_
#define QUANTC_IR_KERNELS_CPU_H_

namespace quantc {
namespace kernels {

/// Whether the AVX2/FMA kernels are in use.
bool UseAvx2();

/// Tests only: force the portable kernels (true) or restore detection.
void ForcePortableKernelsForTesting(bool portable);

}  // namespace kernels
}  // namespace quantc

#endif  // QUANTC_IR_KERNELS_CPU_H_
