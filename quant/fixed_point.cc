#include "quant/fixed_point.h"

#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"

namespace quantc {

absl::StatusOr<QuantizedMultiplier> QuantizeMultiplier(double m) {
  if (!(m >= 0) || std::isinf(m)) {
    return absl::InvalidArgumentError(
        absl::StrCat("multiplier ", m, " is not a finite number >= 0"));
  }
  if (m == 0) return QuantizedMultiplier{};
  int e = 0;
  const double frac = std::frexp(m, &e);  // m = frac * 2^e, frac in [0.5, 1)
  int64_t q = static_cast<int64_t>(std::round(frac * 2147483648.0));
  if (q == (int64_t{1} << 31)) {
    q /= 2;
    ++e;
  }
  if (e > kMaxMultiplierShift) {
    return absl::InvalidArgumentError(
        absl::StrCat("multiplier ", m, " is too large for fixed point (>= 2^30)"));
  }
  if (e < kMinMultiplierShift) return QuantizedMultiplier{};
  return QuantizedMultiplier{static_cast<int32_t>(q), e};
}

int32_t SaturatingRoundingDoublingHighMul(int32_t a, int32_t b) {
  if (a == b && a == std::numeric_limits<int32_t>::min()) {
    return std::numeric_limits<int32_t>::max();
  }
  const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  const int64_t nudge = ab >= 0 ? (int64_t{1} << 30) : (1 - (int64_t{1} << 30));
  // Division truncates toward zero; with the nudge, ties go toward +inf.
  return static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
}

int32_t RoundingDivideByPOT(int32_t x, int exponent) {
  if (exponent == 0) return x;
  const int64_t mask = (int64_t{1} << exponent) - 1;
  const int64_t remainder = static_cast<int64_t>(x) & mask;
  const int64_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  const int64_t floor = static_cast<int64_t>(x) >> exponent;  // arithmetic
  return static_cast<int32_t>(floor + (remainder > threshold ? 1 : 0));
}

int32_t SaturatingLeftShift(int32_t x, int shift) {
  const int64_t v = static_cast<int64_t>(x) * (int64_t{1} << shift);
  if (v > std::numeric_limits<int32_t>::max()) return std::numeric_limits<int32_t>::max();
  if (v < std::numeric_limits<int32_t>::min()) return std::numeric_limits<int32_t>::min();
  return static_cast<int32_t>(v);
}

int32_t MultiplyByQuantizedMultiplier(int32_t x, const QuantizedMultiplier& q) {
  const int left = q.shift > 0 ? q.shift : 0;
  const int right = q.shift > 0 ? 0 : -q.shift;
  return RoundingDivideByPOT(
      SaturatingRoundingDoublingHighMul(SaturatingLeftShift(x, left), q.multiplier), right);
}

int64_t FloorShift(int64_t v, int shift) {
  // Arithmetic shift is floor division by 2^shift (C++20 guarantees it; g++
  // and clang have always done it).
  return v >> shift;
}

int BitLength(uint64_t v) {
  int n = 0;
  while (v != 0) {
    ++n;
    v >>= 1;
  }
  return n;
}

int PreShiftFor(uint64_t bound) {
  const int s = 30 - BitLength(bound);
  return s < 0 ? 0 : (s > 20 ? 20 : s);
}

}  // namespace quantc
