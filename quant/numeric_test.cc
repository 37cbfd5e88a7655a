#include "quant/numeric.h"

#include <cfenv>
#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace quantc {
namespace {

// Expected values by hand: ties go to the even neighbour, everything else
// to the nearest integer.
struct Case {
  double in, out;
};
constexpr Case kCases[] = {
    {0.5, 0},     {1.5, 2},       {2.5, 2},          {-0.5, -0},      {-1.5, -2},
    {-2.5, -2},   {2.4999999, 2}, {2.5000001, 3},    {-2.5000001, -3}, {7, 7},
    {1e300, 1e300}, {4503599627370497.0, 4503599627370497.0},  // 2^52 + 1: already whole
    {0.49999999999999994, 0},  // the largest double below 1/2
};

TEST(RoundHalfEven, HandValuesInEveryRoundingMode) {
  for (int mode : {FE_TONEAREST, FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO}) {
    ASSERT_EQ(std::fesetround(mode), 0);
    for (const Case& c : kCases) {
      volatile double in = c.in;  // keep the compiler from folding the call
      EXPECT_EQ(RoundHalfEven(in), c.out) << c.in << " in mode " << mode;
    }
  }
  std::fesetround(FE_TONEAREST);
}

TEST(RoundHalfEven, NonFinitePassThrough) {
  EXPECT_TRUE(std::isnan(RoundHalfEven(NAN)));
  EXPECT_EQ(RoundHalfEven(INFINITY), INFINITY);
  EXPECT_EQ(RoundHalfEven(-INFINITY), -INFINITY);
}

TEST(PowerOfTwo, ExactAtEveryExponent) {
  // 2^k for every normal and subnormal exponent, and its neighbours.
  for (int k = -1074; k <= 1023; ++k) {
    double p = std::ldexp(1.0, k);
    ASSERT_TRUE(IsPowerOfTwo(p)) << k;
    ASSERT_EQ(FloorLog2(p), k);
    ASSERT_EQ(CeilLog2(p), k);
    double above = std::nextafter(p, INFINITY);
    if (k > -1022 && k < 1023) {  // a subnormal's neighbour may be 2^(k+1)
      ASSERT_FALSE(IsPowerOfTwo(above)) << k;
      ASSERT_EQ(FloorLog2(above), k);
      ASSERT_EQ(CeilLog2(above), k + 1);
    }
  }
  EXPECT_FALSE(IsPowerOfTwo(0));
  EXPECT_FALSE(IsPowerOfTwo(-2));
  EXPECT_FALSE(IsPowerOfTwo(3));
  EXPECT_FALSE(IsPowerOfTwo(INFINITY));
  EXPECT_EQ(FloorLog2(3), 1);
  EXPECT_EQ(CeilLog2(3), 2);
  EXPECT_EQ(CeilLog2(0.3), -1);  // 0.25 < 0.3 <= 0.5
}

TEST(Power2Ceil, SmallestPowerOfTwoNotBelow) {
  EXPECT_EQ(Power2Ceil(0.3f), 0.5f);
  EXPECT_EQ(Power2Ceil(0.25f), 0.25f);
  EXPECT_EQ(Power2Ceil(1.0f / 255.0f), 1.0f / 128.0f);
  EXPECT_EQ(Power2Ceil(std::numeric_limits<float>::denorm_min()),
            std::numeric_limits<float>::denorm_min());
  EXPECT_EQ(Power2Ceil(3e38f), INFINITY);
}

}  // namespace
}  // namespace quantc
