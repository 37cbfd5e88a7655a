// Tests for the OSS derivation and evaluation: the worked examples of
// tinpu-format.md §7, the §3.2 edge rules (overflow before rounding, shift
// cap, sign, zero/underflow, offset limits) and integer/float32 agreement.
#include "backends/tinpu/oss.h"

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "quant/numeric.h"

namespace quantc::tinpu {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int kS = kShiftBits;
const ClipRange kWide{-(int64_t{1} << 40), int64_t{1} << 40};

// Single-channel ComputeOss.
absl::StatusOr<OssParams> One(double w, double off0, std::optional<double> ro, int b, bool int_bias,
                              const OssLimits& limits,
                              ZeroMultiplier zero = ZeroMultiplier::kReject) {
  std::vector<double> wv{w}, ov{off0}, rv{ro.value_or(0)};
  std::optional<absl::Span<const double>> r;
  if (ro) r = absl::MakeConstSpan(rv);
  return ComputeOss(wv, ov, r, b, kS, int_bias, limits, zero);
}

// §7.1: s_in = 2^-4, s_w = 2^-7, s_out = 2^-3, bias 0.3, ReLU; 8-bit, B = 1.
TEST(OssExample, ConvChannel8Bit) {
  const double s_in = std::ldexp(1, -4), s_w = std::ldexp(1, -7), s_out = std::ldexp(1, -3);
  const double s_acc = s_in * s_w;
  const double qbias = RoundHalfEven(0.3 / s_acc);
  EXPECT_EQ(qbias, 614);
  auto p = One(s_acc / s_out, qbias, s_out / (2 * s_acc), 1, true, LimitsFor(8));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_THAT(p->offset, ElementsAre(742));
  EXPECT_THAT(p->mult, ElementsAre(1));
  EXPECT_THAT(p->shift, ElementsAre(8));
  EXPECT_THAT(p->shift_mult, ElementsAre(0.00390625f));
  // OSS clip is TI's +-255 here, then Relu + Clip(0, 255).
  auto relu = [](int64_t v) { return ApplyOssInt(v, 0, 1, 0, UnsignedRange(8)); };
  EXPECT_EQ(ApplyOssInt(1000, 742, 1, 8, TiCompatConvRange(8)), 6);
  EXPECT_EQ(relu(ApplyOssInt(1000, 742, 1, 8, TiCompatConvRange(8))), 6);
  EXPECT_EQ(ApplyOssInt(-2000, 742, 1, 8, TiCompatConvRange(8)), -5);
  EXPECT_EQ(relu(ApplyOssInt(-2000, 742, 1, 8, TiCompatConvRange(8))), 0);
  // In power-of-two mode the default rounding term 2^(shift-1)/mult equals
  // the exact one, so leaving ro out gives the same offset (§3.3).
  auto d = One(s_acc / s_out, qbias, std::nullopt, 1, true, LimitsFor(8));
  ASSERT_TRUE(d.ok());
  EXPECT_THAT(d->offset, ElementsAre(742));
}

// §7.2: 4-bit weights, B = 8, w = 0.0123, qbias 100, ro = 1/(2w).
TEST(OssExample, ConvChannel4Bit) {
  const double w = 0.0123;
  auto p = One(w, 100, 1 / (2 * w), 8, true, LimitsFor(4));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_THAT(p->shift, ElementsAre(14));
  EXPECT_THAT(p->mult, ElementsAre(202));
  EXPECT_THAT(p->offset, ElementsAre(141));
  EXPECT_THAT(p->shift_mult, ElementsAre(std::ldexp(1.0f, -14)));
  EXPECT_EQ(ApplyOssInt(1000, 141, 202, 14, TiCompatConvRange(8)), 14);
}

// §7.3: input quantize, s_in = 2^-3: w = 8, B = 8, fractional offset.
TEST(OssExample, InputQuantize) {
  auto p = One(8, 0, std::nullopt, 8, /*int_bias=*/false, LimitsFor(8));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_THAT(p->shift, ElementsAre(4));
  EXPECT_THAT(p->mult, ElementsAre(128));
  EXPECT_THAT(p->shift_mult, ElementsAre(1.0f / 16));
  EXPECT_THAT(p->offset, ElementsAre(0.0625f));
  const float off = p->offset[0], m = p->mult[0], sm = p->shift_mult[0];
  EXPECT_EQ(ApplyOssFloat32(1.30f, off, m, sm, SignedRange(8)), 10);  // round(10.4)
  // A tie goes up (-3.5 -> -3); PyTorch's fake quant would give -4.
  EXPECT_EQ(ApplyOssFloat32(-0.4375f, off, m, sm, SignedRange(8)), -3);
}

TEST(Oss, OverflowIsCheckedBeforeRounding) {
  auto p = One(255.4, 0, 0.0, 8, true, LimitsFor(4));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(),
              AllOf(HasSubstr("channel 0"), HasSubstr("255.4"), HasSubstr("> 255")));
  auto ok = One(255, 0, 0.0, 8, true, LimitsFor(4));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_THAT(ok->mult, ElementsAre(255));
  EXPECT_THAT(ok->shift, ElementsAre(0));
}

TEST(Oss, PowerOfTwoModeRejectsRatioAboveOne) {
  // Output scale finer than the accumulator scale: w = 2 (or even 1.001).
  for (double w : {2.0, 1.001}) {
    auto p = One(w, 0, std::nullopt, 1, true, LimitsFor(8));
    ASSERT_FALSE(p.ok()) << w;
    EXPECT_THAT(p.status().message(), HasSubstr("needs multiplier"));
  }
  auto one = One(1, 0, std::nullopt, 1, true, LimitsFor(8));
  ASSERT_TRUE(one.ok());
  EXPECT_THAT(one->shift, ElementsAre(0));
}

TEST(Oss, PowerOfTwoRatiosGiveMultiplierOneAndExactShift) {
  for (int k = 0; k <= 31; ++k) {
    auto p = One(std::ldexp(1.0, -k), 0, 0.0, 1, true, LimitsFor(8));
    ASSERT_TRUE(p.ok()) << k << ": " << p.status();
    EXPECT_EQ(p->mult[0], 1) << k;
    EXPECT_EQ(p->shift[0], k) << k;
    EXPECT_EQ(p->shift_mult[0], std::ldexp(1.0f, -k)) << k;
  }
}

TEST(Oss, ShiftIsLargestThatFitsTheMultiplier) {
  // 255 / 0.5 = 510 -> shift 8, m = 128 exactly at a power of two.
  auto p = One(0.5, 0, 0.0, 8, true, LimitsFor(4));
  ASSERT_TRUE(p.ok());
  EXPECT_THAT(p->shift, ElementsAre(8));
  EXPECT_THAT(p->mult, ElementsAre(128));
  // 255/255: shift 0; 127.5 * 2 = 255 fits -> shift 1.
  auto q = One(127.5, 0, 0.0, 8, true, LimitsFor(4));
  ASSERT_TRUE(q.ok());
  EXPECT_THAT(q->shift, ElementsAre(1));
  EXPECT_THAT(q->mult, ElementsAre(255));
}

// The shift must be exact even where log2 rounds: just above 255 * 2^-k,
// log2(255 / a) rounds to exactly k in double, but a * 2^k > 255.
TEST(Oss, ShiftIsExactJustAboveAPowerOfTwo) {
  for (int k = 1; k <= 31; ++k) {
    auto at = One(std::ldexp(255.0, -k), 0, 0.0, 8, true, LimitsFor(4));
    ASSERT_TRUE(at.ok()) << k << ": " << at.status();
    EXPECT_EQ(at->shift[0], k);
    EXPECT_EQ(at->mult[0], 255);
    auto above = One(std::ldexp(255.0 + std::ldexp(1.0, -42), -k), 0, 0.0, 8, true, LimitsFor(4));
    ASSERT_TRUE(above.ok()) << k << ": " << above.status();
    EXPECT_EQ(above->shift[0], k - 1) << k;
    EXPECT_EQ(above->mult[0], 128) << k;  // 127.5 + tiny
  }
}

// Power-of-two mode realises 1/A by 2^-floor(log2 A) for pooling areas that
// are not powers of two (format doc §4.10, §4.11): 3 -> 1/2, 5..7 -> 1/4, 30 -> 1/16.
TEST(Oss, PowerOfTwoModeRoundsNonPowerOfTwoDivisors) {
  for (auto [area, shift] : {std::pair{3, 1}, {5, 2}, {6, 2}, {7, 2}, {30, 4}}) {
    auto p = One(1.0 / area, 0, std::nullopt, 1, true, LimitsFor(8));
    ASSERT_TRUE(p.ok()) << area;
    EXPECT_EQ(p->mult[0], 1) << area;
    EXPECT_EQ(p->shift[0], shift) << area;
  }
}

TEST(Oss, ShiftIsCappedAt31) {
  // Ideal shift floor(log2(255 * 2^30)) = 37; capped at 31 -> m = 2^-30 * 2^31 = 2.
  auto p = One(std::ldexp(1.0, -30), 0, 0.0, 8, true, LimitsFor(4));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_THAT(p->shift, ElementsAre(31));
  EXPECT_THAT(p->mult, ElementsAre(2));
  EXPECT_THAT(p->shift_mult, ElementsAre(std::ldexp(1.0f, -31)));
}

TEST(Oss, NegativeRatioGivesNegativeMultiplierAndRoundingTerm) {
  auto p = One(-0.0123, 0, std::nullopt, 8, true, LimitsFor(4));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_THAT(p->mult, ElementsAre(-202));
  EXPECT_THAT(p->shift, ElementsAre(14));
  EXPECT_THAT(p->offset, ElementsAre(-41));  // round(2^13 / -202 = -40.55)
  // Still round-half-up of x * w: 1000 * -0.0123 = -12.3 -> -12.
  EXPECT_EQ(ApplyOssInt(1000, -41, -202, 14, SignedRange(8)), -12);
}

TEST(Oss, ZeroAndUnderflowAreErrorsByDefault) {
  std::vector<double> w{0.0, 0.25, 1e-12}, off0{5, 0, 0};
  auto p = ComputeOss(w, off0, std::nullopt, 8, kS, true, LimitsFor(4));
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.status().message(),
              AllOf(HasSubstr("2 of 3"), HasSubstr("channel 0: w is 0"),
                    HasSubstr("channel 2: w 1e-12 underflows"), Not(HasSubstr("channel 1")),
                    Not(HasSubstr("inf ")), HasSubstr("infinite rounding offset")));
}

TEST(Oss, ZeroAndUnderflowBecomeExplicitZerosWhenAllowed) {
  std::vector<double> w{0.0, 0.25, 1e-12}, off0{5, 0, 0};
  auto p = ComputeOss(w, off0, std::nullopt, 8, kS, true, LimitsFor(4), ZeroMultiplier::kAllow);
  ASSERT_TRUE(p.ok()) << p.status();
  // Channel 1 is ordinary: 255 / 0.25 = 1020 -> shift 9, mult 128, offset 2^8 / 128.
  EXPECT_THAT(p->mult, ElementsAre(0, 128, 0));
  EXPECT_THAT(p->offset, ElementsAre(0, 2, 0));
  EXPECT_THAT(p->shift, ElementsAre(0, 9, 0));
  EXPECT_THAT(p->shift_mult, ElementsAre(1, std::ldexp(1.0f, -9), 1));
  for (float v : p->offset) EXPECT_TRUE(std::isfinite(v));
}

TEST(Oss, OffsetLimitErrorsListEveryChannel) {
  const double w = std::ldexp(1.0, -8);
  std::vector<double> wv{w, w, w, w}, off0{40000, 0, -40000, 32767 - 128};
  auto p = ComputeOss(wv, off0, std::nullopt, 1, kS, true, LimitsFor(4));
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.status().message(),
              AllOf(HasSubstr("2 of 4"), HasSubstr("channel 0: offset 40128 outside int16"),
                    HasSubstr("channel 2: offset -39872 outside int16 [-32768, 32767]"),
                    Not(HasSubstr("channel 1")), Not(HasSubstr("channel 3"))));
  // The same offsets fit int24 (8-bit weights).
  EXPECT_TRUE(ComputeOss(wv, off0, std::nullopt, 1, kS, true, LimitsFor(8)).ok());
  std::vector<double> big{9e6};
  auto q = ComputeOss(absl::MakeConstSpan(wv).subspan(0, 1), big, std::nullopt, 1, kS, true,
                      LimitsFor(8));
  ASSERT_FALSE(q.ok());
  EXPECT_THAT(q.status().message(), HasSubstr("outside int24 [-8388608, 8388607]"));
}

TEST(Oss, DifferentProblemsAreReportedTogether) {
  std::vector<double> w{255.4, 0.0, std::ldexp(1.0, -8), NAN}, off0{0, 0, 1e6, 0};
  auto p = ComputeOss(w, off0, std::nullopt, 8, kS, true, LimitsFor(4));
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.status().message(),
              AllOf(HasSubstr("4 of 4"), HasSubstr("channel 0: w 255.4 needs multiplier"),
                    HasSubstr("channel 1: w is 0"), HasSubstr("channel 2: offset"),
                    HasSubstr("channel 3: non-finite")));
}

TEST(Oss, OffsetRoundsHalfToEvenOnlyWithIntBias) {
  std::vector<double> w{1, 1}, off0{140, 141}, ro{0.5, 0.5};
  auto p = ComputeOss(w, off0, absl::MakeConstSpan(ro), 1, kS, true, LimitsFor(8));
  ASSERT_TRUE(p.ok());
  EXPECT_THAT(p->offset, ElementsAre(140, 142));
  auto f = ComputeOss(w, off0, absl::MakeConstSpan(ro), 1, kS, false, LimitsFor(8));
  ASSERT_TRUE(f.ok());
  EXPECT_THAT(f->offset, ElementsAre(140.5f, 141.5f));
}

TEST(Oss, RejectsMismatchedSizesAndBadWidths) {
  std::vector<double> w{1, 1}, off0{0};
  EXPECT_EQ(ComputeOss(w, off0, std::nullopt, 1, kS, true, LimitsFor(8)).status().code(),
            absl::StatusCode::kInvalidArgument);
  std::vector<double> off2{0, 0};
  EXPECT_FALSE(ComputeOss(w, off2, std::nullopt, 0, kS, true, LimitsFor(8)).ok());
  EXPECT_FALSE(ComputeOss(w, off2, std::nullopt, 1, 7, true, LimitsFor(8)).ok());
}

TEST(ApplyOss, FloorsTowardMinusInfinityAndClips) {
  EXPECT_EQ(ApplyOssInt(-1, 0, 1, 1, kWide), -1);  // floor(-0.5)
  EXPECT_EQ(ApplyOssInt(-2, 0, 1, 1, kWide), -1);
  EXPECT_EQ(ApplyOssInt(-3, 0, 1, 1, kWide), -2);
  EXPECT_EQ(ApplyOssInt(3, 0, 1, 1, kWide), 1);
  EXPECT_EQ(ApplyOssInt(1000, 0, 1, 0, SignedRange(8)), 127);
  EXPECT_EQ(ApplyOssInt(-1000, 0, 1, 0, SignedRange(8)), -128);
  EXPECT_EQ(ApplyOssInt(600, 0, 1, 0, ResidualRange()), 511);
}

// float32 has a 24-bit significand: every integer with |n| <= 2^24 is exact,
// so while x, offset and (x + offset) * mult stay within 2^24 each float op
// of the ONNX block is exact (2^-shift scaling is exact too), and the graph's
// result equals the integer one bit for bit.
TEST(ApplyOss, IntegerEqualsFloat32BelowTwoTo24) {
  std::mt19937_64 rng(20260814);
  const int64_t lim = (int64_t{1} << 24) - 1;
  for (int i = 0; i < 200000; ++i) {
    const int64_t mult = std::uniform_int_distribution<int64_t>(-255, 255)(rng);
    const int shift = std::uniform_int_distribution<int>(0, 31)(rng);
    const int64_t bound = lim / std::max<int64_t>(1, std::abs(mult));
    const int64_t sum = std::uniform_int_distribution<int64_t>(-bound, bound)(rng);
    const int64_t x = std::uniform_int_distribution<int64_t>(std::max(-lim, sum - lim),
                                                             std::min(lim, sum + lim))(rng);
    const int64_t offset = sum - x;
    const ClipRange clip = (i % 2) ? SignedRange(8) : kWide;
    const int64_t want = ApplyOssInt(x, offset, mult, shift, clip);
    const float got = ApplyOssFloat32(static_cast<float>(x), static_cast<float>(offset),
                                      static_cast<float>(mult), std::ldexp(1.0f, -shift), clip);
    ASSERT_EQ(static_cast<double>(want), static_cast<double>(got))
        << "x " << x << " offset " << offset << " mult " << mult << " shift " << shift;
  }
}

TEST(ApplyOss, Float32DivergesAboveTwoTo24) {
  // 2^24 + 1 is not a float32: the ONNX graph sees 2^24.
  const int64_t x = (int64_t{1} << 24) + 1;
  EXPECT_EQ(ApplyOssInt(x, 0, 1, 0, kWide), x);
  EXPECT_EQ(ApplyOssFloat32(static_cast<float>(x), 0, 1, 1, kWide), 16777216.0f);
}

}  // namespace
}  // namespace quantc::tinpu
