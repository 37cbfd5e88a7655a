// Fixed-point requantization primitives of quantc's integer programs, in
// the gemmlowp / CMSIS-NN / TFLite convention. docs/integer-arithmetic.md is
// the specification; this file is its C++ reference and the C kernels that
// `quantc compile` emits (backends/c/kernels/common.c) are the other
// implementation, checked against this one element for element.
//
// A real multiplier m > 0 is stored as a Q31 integer M in [2^30, 2^31) and
// an exponent e, with m ~= M * 2^(e - 31):
//
//   MulQ(x, M, e) = RoundingDivideByPOT(
//                     SaturatingRoundingDoublingHighMul(x * 2^max(e,0), M),
//                     max(-e, 0))
//
// SaturatingRoundingDoublingHighMul(a, b) = round(a * b / 2^31), ties toward
// +infinity (gemmlowp's nudge), saturating the one overflow a = b = INT32_MIN.
// RoundingDivideByPOT(x, k) = round(x / 2^k), ties away from zero.
// The left shift x * 2^e saturates to int32 (it can only overflow when the
// result saturates anyway).
#ifndef QUANTC_QUANT_FIXED_POINT_H_
#define QUANTC_QUANT_FIXED_POINT_H_

#include <cstdint>

#include "absl/status/statusor.h"

namespace quantc {

/// A real multiplier as Q31 mantissa and exponent: m = multiplier *
/// 2^(shift - 31). multiplier == 0 encodes m = 0 (shift 0).
struct QuantizedMultiplier {
  int32_t multiplier = 0;
  int32_t shift = 0;  ///< > 0: left shift, < 0: right shift
  bool operator==(const QuantizedMultiplier& o) const {
    return multiplier == o.multiplier && shift == o.shift;
  }
};

/// Largest exponent QuantizeMultiplier accepts: m < 2^kMaxMultiplierShift.
inline constexpr int kMaxMultiplierShift = 30;
/// Smallest right shift RoundingDivideByPOT supports.
inline constexpr int kMinMultiplierShift = -31;

/// m -> (M, e) with M = round(frac * 2^31) where m = frac * 2^e and
/// frac in [0.5, 1) (std::frexp); M = 2^31 carries into e + 1. m below
/// 2^-32 (whose products with any int32 round to 0) becomes (0, 0).
/// InvalidArgument for a negative, NaN or infinite m, or m >= 2^30.
absl::StatusOr<QuantizedMultiplier> QuantizeMultiplier(double m);

/// round(a * b / 2^31), ties toward +infinity; INT32_MIN * INT32_MIN
/// saturates to INT32_MAX.
int32_t SaturatingRoundingDoublingHighMul(int32_t a, int32_t b);

/// round(x / 2^exponent), ties away from zero; 0 <= exponent <= 31.
int32_t RoundingDivideByPOT(int32_t x, int exponent);

/// x * 2^shift saturated to int32 (0 <= shift <= 31).
int32_t SaturatingLeftShift(int32_t x, int shift);

/// MulQ(x, M, e) as in the file banner.
int32_t MultiplyByQuantizedMultiplier(int32_t x, const QuantizedMultiplier& q);

/// floor(v / 2^shift) for 0 <= shift <= 62 (the TINPU OSS right shift).
int64_t FloorShift(int64_t v, int shift);

/// Number of bits needed for |v|: 0 for 0, 8 for 255, 9 for 256.
int BitLength(uint64_t v);

/// Left shift applied to an int32 value bounded by |x| <= bound before
/// MulQ, so that the high multiply keeps up to 20 fractional bits without
/// overflow: min(20, 30 - BitLength(bound)), at least 0.
int PreShiftFor(uint64_t bound);

}  // namespace quantc

#endif  // QUANTC_QUANT_FIXED_POINT_H_
