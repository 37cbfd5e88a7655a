// The legality model against hand-derived values (tinpu-format.md §3, §6,
// §7 worked examples); every expectation's arithmetic is in its comment.
#include "backends/tinpu/legality.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace quantc::tinpu {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

double P2(int e) { return std::ldexp(1.0, e); }

Requant Weighted(std::vector<double> unit, std::vector<double> offset = {},
                 std::vector<double> bound = {}) {
  return Requant{RequantSite::kWeighted, std::move(unit), std::move(offset), std::move(bound)};
}

TEST(Legality, MultiplierWidthPerSite) {
  Legality w8({8, 8}), w4({4, 8});
  EXPECT_EQ(w8.MultiplierBits(RequantSite::kInputQuantize, 8), 8);    // §3.4: fixed 8
  EXPECT_EQ(w8.MultiplierBits(RequantSite::kFloatOpOutput, 8), 8);    // a leftover quantize
  EXPECT_EQ(w8.MultiplierBits(RequantSite::kInputBatchNorm, 8), 12);  // §3.4: fixed 12
  EXPECT_EQ(w8.MultiplierBits(RequantSite::kWeighted, 0.25), 1);      // power2_scale: B = 1
  EXPECT_EQ(w4.MultiplierBits(RequantSite::kWeighted, 0.25), 8);      // 4-bit: B = 8
  EXPECT_EQ(w8.MultiplierBits(RequantSite::kPool, 1.0 / 16), 1);      // 2^-4: a shift
  EXPECT_EQ(w8.MultiplierBits(RequantSite::kPool, 1.0 / 9), 8);       // exact 1/9
  EXPECT_EQ(w8.MultiplierBits(RequantSite::kPool, 2), 1);             // 2 > 1: not realizable
  EXPECT_EQ(w8.MultiplierBits(RequantSite::kAdd, 2), 1);              // w > 1: not realizable
  EXPECT_EQ(w4.MultiplierBits(RequantSite::kAdd, 2), 8);
  EXPECT_EQ(w4.MultiplierBits(RequantSite::kMul, 0.5), 1);            // a shift suffices
}

// §7.1: s_in = 2^-4, s_w = 2^-7, s_out = 2^-3, b = 0.3: w = 2^-8, qbias =
// round(0.3 * 2048) = 614, round term 2^-3 / 2^-10 = 128 -> offset 742,
// mult 1, shift 8.
TEST(Legality, WorkedExampleEightBit) {
  Legality m({8, 8});
  Requant r = Weighted({P2(-11)}, {614});
  EXPECT_EQ(m.Check(r, P2(-3)), std::nullopt);
  auto z = m.Realize(r, P2(-3));
  ASSERT_TRUE(z.ok()) << z.status();
  EXPECT_EQ(z->align, 0);
  EXPECT_THAT(z->oss.offset, ElementsAre(742));
  EXPECT_THAT(z->oss.mult, ElementsAre(1));
  EXPECT_THAT(z->oss.shift, ElementsAre(8));
}

// §7.2: w = 0.0123 at 4-bit weights: shift floor(log2(255 / 0.0123)) = 14,
// mult round(0.0123 * 16384) = round(201.52) = 202; qbias 100 + round term
// 1 / (2 * 0.0123) = 40.65 -> offset round(140.65) = 141.
TEST(Legality, WorkedExampleFourBit) {
  Legality m({4, 8});
  auto z = m.Realize(Weighted({0.0123}, {100}), 1.0);
  ASSERT_TRUE(z.ok()) << z.status();
  EXPECT_THAT(z->oss.mult, ElementsAre(202));
  EXPECT_THAT(z->oss.shift, ElementsAre(14));
  EXPECT_THAT(z->oss.offset, ElementsAre(141));
}

TEST(Legality, OutputFinerThanTheAccumulatorAtEightBitWeights) {
  Legality m({8, 8});
  Requant r = Weighted({P2(-11), P2(-13)});
  // s_out = 2^-12: channel 0 has w = 2 > 1, which a shift-only block cannot do.
  auto p = m.Check(r, P2(-12));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->kind, Problem::Kind::kOutputTooFine);
  EXPECT_THAT(p->why, HasSubstr("exceeds 1"));
  EXPECT_FALSE(m.Realize(r, P2(-12)).ok());
  // The repair: the coarsest accumulator scale, 2^-11.
  EXPECT_EQ(m.MinOutputScale(r, P2(-12)), P2(-11));
  EXPECT_EQ(m.MinOutputScale(r, P2(-5)), P2(-5));  // already legal: unchanged
}

TEST(Legality, FourBitWeightsUseTheEightBitMultiplier) {
  Legality m({4, 8});
  // w = 13.7: shift 4 (13.7 * 16 = 219.2 <= 255 < 438.4), mult 219.
  auto z = m.Realize(Weighted({13.7}), 1.0);
  ASSERT_TRUE(z.ok()) << z.status();
  EXPECT_THAT(z->oss.mult, ElementsAre(219));
  EXPECT_THAT(z->oss.shift, ElementsAre(4));
  // w = 300 > 255: coarsen to the smallest power of two with 300 s0 / s <= 255: 2 s0.
  EXPECT_EQ(m.Check(Weighted({300}), 1.0)->kind, Problem::Kind::kOutputTooFine);
  EXPECT_EQ(m.MinOutputScale(Weighted({300}), 1.0), 2.0);
}

TEST(Legality, MultiplierNarrowedToKeepFloat32Exact) {
  Legality m({4, 8});
  // Bound 2^20: (2^20 + 1 + round term) * (2^B - 1) < 2^24 holds for B = 4
  // (15.7e6) but not B = 5 (32.5e6), so w <= 15.
  Requant ok = Weighted({13.7}, {}, {P2(20)});
  auto z = m.Realize(ok, 1.0);
  ASSERT_TRUE(z.ok()) << z.status();
  EXPECT_THAT(z->oss.shift, ElementsAre(0));  // 13.7 * 2 > 15: no shift
  EXPECT_THAT(z->oss.mult, ElementsAre(14));
  auto p = m.Check(Weighted({20}, {}, {P2(20)}), 1.0);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->kind, Problem::Kind::kOutputTooFine);
  EXPECT_THAT(p->why, HasSubstr("narrowed from 8 bits"));
}

TEST(Legality, OffsetOverflowIsAChannelRepair) {
  Legality m({8, 8});
  // s_acc = 2^-20, s_out = 2^-8 (w = 2^-12), qbias 2^24 > int24.
  Requant r = Weighted({P2(-20), P2(-20)}, {0, P2(24)});
  auto p = m.Check(r, P2(-8));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->kind, Problem::Kind::kChannels);
  EXPECT_THAT(p->channels, ElementsAre(1));
  EXPECT_THAT(p->why, HasSubstr("overflows the int24 offset field"));
  // Round term 2^-8 / (2 * 2^-20) = 2^11. f = 2: (2^24 + 2^11) / 2 = 8389632
  // > 2^23 - 1; f = 4: 4194816 fits.
  EXPECT_EQ(m.ChannelScaleFactor(r, P2(-8), 1), 4.0);
}

TEST(Legality, UnderflowIsAChannelRepair) {
  Legality m({8, 8});
  // w = 2^-37: 2^-37 * 2^31 = 2^-6 rounds to a zero multiplier. f = 32 gives
  // 2^-32 * 2^31 = 1/2, which rounds (to even) to 0; f = 64 gives 1, but
  // then the round term 1 / (2w) = 2^30 overflows int24. It fits once
  // 1 / (2w) <= 2^23 - 1: w = 2^-23 (2^22), i.e. f = 2^14 (2^-24 gives 2^23).
  Requant r = Weighted({P2(-45)});
  auto p = m.Check(r, P2(-8));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->kind, Problem::Kind::kChannels);
  EXPECT_THAT(p->why, HasSubstr("rounds to 0"));
  EXPECT_EQ(m.ChannelScaleFactor(r, P2(-8), 0), P2(14));
}

TEST(Legality, ShiftOnlyBlocksNeedPowerOfTwoFactors) {
  Legality m({8, 8});
  // w = 3 * 2^-12 / 2^-8 = 3/16, not 2^-k: no power-of-two factor fixes it
  // (the weight scale itself must become a power of two).
  Requant r = Weighted({3 * P2(-12)});
  auto p = m.Check(r, P2(-8));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->kind, Problem::Kind::kChannels);
  EXPECT_THAT(p->why, HasSubstr("not a power of two"));
  EXPECT_EQ(m.ChannelScaleFactor(r, P2(-8), 0), std::nullopt);
}

TEST(Legality, InputQuantizeBlock) {
  Legality m({8, 8});
  Requant in{RequantSite::kInputQuantize, {1.0}, {}, {}};
  // 1/s <= 255: 2^-8 needs 256, so the finest legal scale is 2^-7.
  EXPECT_EQ(m.Check(in, P2(-8))->kind, Problem::Kind::kOutputTooFine);
  EXPECT_EQ(m.MinOutputScale(in, P2(-13)), P2(-7));
  // §7.3: s = 2^-3: w = 8, shift floor(log2(255 / 8)) = 4, mult 128, offset
  // 2^3 / 128 = 0.0625, kept fractional.
  auto z = m.Realize(in, P2(-3));
  ASSERT_TRUE(z.ok()) << z.status();
  EXPECT_THAT(z->oss.mult, ElementsAre(128));
  EXPECT_THAT(z->oss.shift, ElementsAre(4));
  EXPECT_THAT(z->oss.offset, ElementsAre(0.0625f));
}

TEST(Legality, InputBatchNormHasTwelveBits) {
  Legality m({8, 8});
  Requant bn{RequantSite::kInputBatchNorm, {4000.0}, {0.25}, {}};
  EXPECT_EQ(m.Check(bn, 1.0), std::nullopt);  // 4000 <= 4095
  bn.unit = {4100.0};
  EXPECT_EQ(m.Check(bn, 1.0)->kind, Problem::Kind::kOutputTooFine);
}

TEST(Legality, MovesAlignExactlyUpToTheFloat32Limit) {
  Legality m({8, 8});
  Requant mv{RequantSite::kMove, {P2(-3)}, {}, {}};
  auto up = m.Realize(mv, P2(-5));  // 4x finer: multiply by 2^2
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(up->align, 2);
  // 8-bit integers times 2^16 stay below 2^24; 2^17 does not.
  EXPECT_TRUE(m.Realize(mv, P2(-19)).ok());
  EXPECT_EQ(m.Check(mv, P2(-20))->kind, Problem::Kind::kOutputTooFine);
  // Coarser: w = 1/2, a shift by 1 with rounding offset 2^0 / 1 = 1.
  auto down = m.Realize(mv, P2(-2));
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(down->align, 0);
  EXPECT_THAT(down->oss.shift, ElementsAre(1));
  EXPECT_THAT(down->oss.offset, ElementsAre(1));
}

TEST(Legality, PoolDividesByAnyWindowExactly) {
  Legality m({8, 8});
  // 1/9: shift 11 (2^11 / 9 = 227.6 <= 255 < 455), mult 228, offset round(2^10 / 228) = 4.
  auto z = m.Realize(Requant{RequantSite::kPool, {1.0 / 9}, {}, {}}, 1.0);
  ASSERT_TRUE(z.ok()) << z.status();
  EXPECT_THAT(z->oss.mult, ElementsAre(228));
  EXPECT_THAT(z->oss.shift, ElementsAre(11));
  EXPECT_THAT(z->oss.offset, ElementsAre(4));
  // 1/16: mult 1, shift 4, offset 2^3 = 8.
  z = m.Realize(Requant{RequantSite::kPool, {1.0 / 16}, {}, {}}, 1.0);
  EXPECT_THAT(z->oss.mult, ElementsAre(1));
  EXPECT_THAT(z->oss.offset, ElementsAre(8));
}

TEST(Legality, AddAlignment) {
  Legality m({8, 8});
  EXPECT_EQ(m.AddAlignScale(P2(-3), P2(-5)), P2(-5));  // the finer input
  // 2^20 apart: aligning the coarse addend would reach 2^8 * 2^20 > 2^23,
  // so both meet at 2^0 * 2^-15.
  EXPECT_EQ(m.AddAlignScale(1.0, P2(-20)), P2(-15));
}

TEST(Legality, ActivationDomains) {
  Legality m({8, 8});
  EXPECT_EQ(m.UnsignedDomain(DType::kInt8, -128), true);
  EXPECT_EQ(m.UnsignedDomain(DType::kInt8, 0), false);
  EXPECT_EQ(m.UnsignedDomain(DType::kInt8, 5), std::nullopt);
  EXPECT_EQ(m.UnsignedDomain(DType::kUInt8, 0), true);
  EXPECT_EQ(m.UnsignedDomain(DType::kUInt8, 128), false);
  EXPECT_EQ(m.UnsignedDomain(DType::kUInt8, 127), std::nullopt);  // PyTorch's quint8 zp
  EXPECT_EQ(m.DomainRange(true), (ClipRange{0, 255}));
  EXPECT_EQ(m.DomainRange(false), (ClipRange{-128, 127}));
  ActivationScheme s = m.ActivationSchemeFor(DType::kInt8);
  EXPECT_TRUE(s.symmetric && s.power2 && s.full_range_if_nonnegative);
  EXPECT_EQ(s.bits, 8);
  EXPECT_EQ(m.AccumulatorBound(100, true), 25500);   // 100 * 255
  EXPECT_EQ(m.AccumulatorBound(100, false), 12800);  // 100 * 128
  EXPECT_TRUE(m.WeightsPowerOfTwo());
  EXPECT_FALSE(Legality({4, 8}).WeightsPowerOfTwo());
}

TEST(Legality, ConstantFactorIsAnInt8PowerOfTwoGrid) {
  Legality m({8, 8});
  // 0.01 / 127 = 7.87e-5 rounds up to 2^-13 = 1.22e-4; 0.01 / 2^-13 = 81.92 -> 82.
  auto f = m.QuantizeFactor(Tensor::Scalar<float>(0.01f));
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->scale, P2(-13));
  EXPECT_EQ(f->ints.GetAsDouble(0), 82);
}

}  // namespace
}  // namespace quantc::tinpu
