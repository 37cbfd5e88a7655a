/* quantc C kernels: types shared by every kernel. The arithmetic is
 * specified in quantc's docs/integer-arithmetic.md. C99, no allocation, no
 * global state; needs two's complement integers and arithmetic right
 * shifts of negative values (every GCC/Clang/Arm target). */
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Keeps a hot loop in its own function, where its few variables stay in
 * registers instead of spilling among the caller's. */
#if defined(__GNUC__)
#define QC_NOINLINE __attribute__((noinline))
#else
#define QC_NOINLINE
#endif

#define QC_RQ_FIXED 0 /* MulQ(acc, mult[i], shift[i]): gemmlowp fixed point */
#define QC_RQ_OSS 1   /* floor((acc + offset[i]) * mult[i] / 2^shift[i]): TINPU */

/* Requantization of an int32 accumulator to one int8 element (spec §3):
 * y = clamp(R(acc, i) + out_zp, lo, hi). */
typedef struct {
  int32_t kind;
  const int32_t* mult;
  const int32_t* shift;
  const int32_t* offset; /* QC_RQ_OSS only */
  int32_t out_zp, lo, hi;
} qc_requant_t;
