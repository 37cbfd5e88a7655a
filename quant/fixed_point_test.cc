// Expected values are worked out by hand from the definitions in
// docs/integer-arithmetic.md §3 (and agree with gemmlowp's published
// semantics), not produced by the code under test.
#include "quant/fixed_point.h"

#include <cmath>
#include <limits>
#include <random>

#include "gtest/gtest.h"

namespace quantc {
namespace {

constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
constexpr int32_t kMax = std::numeric_limits<int32_t>::max();

TEST(QuantizeMultiplier, PowersOfTwoAreExact) {
  EXPECT_EQ(*QuantizeMultiplier(0.5), (QuantizedMultiplier{1 << 30, 0}));
  EXPECT_EQ(*QuantizeMultiplier(1.0), (QuantizedMultiplier{1 << 30, 1}));
  EXPECT_EQ(*QuantizeMultiplier(0.25), (QuantizedMultiplier{1 << 30, -1}));
  EXPECT_EQ(*QuantizeMultiplier(std::ldexp(1.0, -20)), (QuantizedMultiplier{1 << 30, -19}));
}

TEST(QuantizeMultiplier, MantissaRoundsAndCarries) {
  // 0.75 = 0.75 * 2^0 -> round(0.75 * 2^31) = 1610612736.
  EXPECT_EQ(*QuantizeMultiplier(0.75), (QuantizedMultiplier{1610612736, 0}));
  // Just below 1: frac rounds up to 2^31, which carries into the exponent.
  EXPECT_EQ(*QuantizeMultiplier(1.0 - 1e-12), (QuantizedMultiplier{1 << 30, 1}));
}

TEST(QuantizeMultiplier, EdgesAndErrors) {
  EXPECT_EQ(*QuantizeMultiplier(0.0), (QuantizedMultiplier{0, 0}));
  EXPECT_EQ(*QuantizeMultiplier(std::ldexp(1.0, -40)), (QuantizedMultiplier{0, 0}));
  EXPECT_EQ(QuantizeMultiplier(std::ldexp(1.0, -32))->shift, -31);
  EXPECT_FALSE(QuantizeMultiplier(-1.0).ok());
  EXPECT_FALSE(QuantizeMultiplier(std::nan("")).ok());
  EXPECT_FALSE(QuantizeMultiplier(INFINITY).ok());
  EXPECT_FALSE(QuantizeMultiplier(std::ldexp(1.0, 30)).ok());
  EXPECT_TRUE(QuantizeMultiplier(std::ldexp(1.0, 30) * 0.99).ok());
}

TEST(SaturatingRoundingDoublingHighMul, RoundsHalfUp) {
  // a * 2^30 / 2^31 = a / 2; gemmlowp's nudge sends ties toward +infinity.
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(3, 1 << 30), 2);    // 1.5 -> 2
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(-3, 1 << 30), -1);  // -1.5 -> -1
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(-5, 1 << 30), -2);  // -2.5 -> -2
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(-7, 3 << 28), -3);  // -2.625 -> -3
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(5, 1 << 30), 3);    // 2.5 -> 3
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(4, 1 << 30), 2);
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(kMin, kMin), kMax);
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(kMax, kMax), kMax - 1);  // (2^31-1)^2/2^31
}

TEST(RoundingDivideByPOT, RoundsHalfAwayFromZero) {
  EXPECT_EQ(RoundingDivideByPOT(5, 1), 3);    // 2.5
  EXPECT_EQ(RoundingDivideByPOT(-5, 1), -3);  // -2.5
  EXPECT_EQ(RoundingDivideByPOT(6, 2), 2);    // 1.5
  EXPECT_EQ(RoundingDivideByPOT(-6, 2), -2);  // -1.5
  EXPECT_EQ(RoundingDivideByPOT(-7, 2), -2);  // -1.75
  EXPECT_EQ(RoundingDivideByPOT(7, 0), 7);
  EXPECT_EQ(RoundingDivideByPOT(kMin, 31), -1);
}

TEST(MultiplyByQuantizedMultiplier, KnownValues) {
  // m = 1: exact identity.
  EXPECT_EQ(MultiplyByQuantizedMultiplier(100, *QuantizeMultiplier(1.0)), 100);
  EXPECT_EQ(MultiplyByQuantizedMultiplier(-77, *QuantizeMultiplier(1.0)), -77);
  // m = 0.75: 10 * 0.75 = 7.5 -> 8.
  EXPECT_EQ(MultiplyByQuantizedMultiplier(10, *QuantizeMultiplier(0.75)), 8);
  // The left shift saturates: (2^30 - 1) * 8 -> 2^31 - 1, then * 0.5.
  EXPECT_EQ(MultiplyByQuantizedMultiplier(kMax / 2, *QuantizeMultiplier(4.0)), 1 << 30);
  // The convention's double rounding: 5 * 0.25 = 1.25, but the high multiply
  // first gives round(2.5) = 3, then round(3 / 2) = 2.
  EXPECT_EQ(MultiplyByQuantizedMultiplier(5, *QuantizeMultiplier(0.25)), 2);
  // ... which a pre-shift avoids: (5 * 2^20) * (0.25 / 2^20) -> 1.
  EXPECT_EQ(MultiplyByQuantizedMultiplier(5 << 20, *QuantizeMultiplier(std::ldexp(0.25, -20))), 1);
}

TEST(MultiplyByQuantizedMultiplier, WithinHalfPlusEpsilonOfExact) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int32_t> x(-(1 << 24), 1 << 24);
  std::uniform_real_distribution<double> lm(-20, 0);
  for (int i = 0; i < 10000; ++i) {
    const double m = std::exp2(lm(rng));
    const int32_t v = x(rng);
    const double exact = v * m;
    const int32_t got = MultiplyByQuantizedMultiplier(v, *QuantizeMultiplier(m));
    // Double rounding can add at most half of the high multiply's LSB.
    EXPECT_LE(std::abs(got - exact), 0.5 + m + 0.01) << v << " * " << m;
  }
}

TEST(FloorShiftAndBits, Basics) {
  EXPECT_EQ(FloorShift(7, 1), 3);
  EXPECT_EQ(FloorShift(-7, 1), -4);
  EXPECT_EQ(FloorShift(-1, 30), -1);
  EXPECT_EQ(BitLength(0), 0);
  EXPECT_EQ(BitLength(255), 8);
  EXPECT_EQ(BitLength(256), 9);
  EXPECT_EQ(PreShiftFor(255), 20);
  EXPECT_EQ(PreShiftFor(255 * 64), 16);
  EXPECT_EQ(PreShiftFor(uint64_t{1} << 40), 0);
}

}  // namespace
}  // namespace quantc
