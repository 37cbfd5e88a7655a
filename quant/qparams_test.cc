// Tests for the scale / zero-point arithmetic: hand-computed examples, the
// numbers of quantization-semantics.md §3.1-§3.2, and reference values
// computed once with torch 1.13 (/usr/bin/python3) and embedded below; the
// Python expression is quoted above each table. QuantizeTensor and
// QuantizeBias are tested in quantize_tensor_test.cc (same cc_test).
#include "quant/qparams.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace quantc {
namespace {

using ::testing::ElementsAre;

constexpr ActivationScheme kAsymU8{DType::kUInt8, 8, false, false};
constexpr ActivationScheme kAsymI8{DType::kInt8, 8, false, false};
constexpr ActivationScheme kSymI8{DType::kInt8, 8, true, false};
constexpr ActivationScheme kSymU8{DType::kUInt8, 8, true, false};

TEST(RangeFor, SignedUnsignedNarrowAndBits) {
  auto eq = [](IntRange r, int64_t lo, int64_t hi) { return r.qmin == lo && r.qmax == hi; };
  EXPECT_TRUE(eq(RangeFor(DType::kInt8, 8, false), -128, 127));
  EXPECT_TRUE(eq(RangeFor(DType::kInt8, 8, true), -127, 127));
  EXPECT_TRUE(eq(RangeFor(DType::kInt8, 4, true), -7, 7));
  EXPECT_TRUE(eq(RangeFor(DType::kInt8, 4, false), -8, 7));
  EXPECT_TRUE(eq(RangeFor(DType::kInt8, 2, true), -1, 1));
  EXPECT_TRUE(eq(RangeFor(DType::kUInt8, 8, false), 0, 255));
  EXPECT_TRUE(eq(RangeFor(DType::kUInt8, 4, false), 0, 15));
  EXPECT_TRUE(eq(RangeFor(DType::kUInt8, 8, true), 1, 255));
  EXPECT_TRUE(eq(RangeFor(DType::kInt32, 32, false), INT32_MIN, INT32_MAX));
  EXPECT_FALSE(IsSupportedStorage(DType::kInt8, 9));
  EXPECT_FALSE(IsSupportedStorage(DType::kFloat32, 8));
  EXPECT_FALSE(IsSupportedStorage(DType::kUInt8, 1));
}

TEST(Power2Ceil, ExactPowersAndRoundingUp) {
  EXPECT_EQ(Power2Ceil(1.0f), 1.0f);
  EXPECT_EQ(Power2Ceil(0.75f), 1.0f);
  EXPECT_EQ(Power2Ceil(3.0f), 4.0f);
  EXPECT_EQ(Power2Ceil(0.03125f), 0.03125f);
  EXPECT_EQ(Power2Ceil(std::nextafter(0.03125f, 1.0f)), 0.0625f);
  EXPECT_EQ(Power2Ceil(std::ldexp(1.0f, -140)), std::ldexp(1.0f, -140));  // subnormal
  EXPECT_EQ(Power2Ceil(std::numeric_limits<float>::max()), INFINITY);
}

// quantization-semantics.md §3.2: signed max_abs 3.0 -> 3/127.5 -> 2^-5;
// unsigned max 3.0 -> 3/255 -> 2^-6.
TEST(ActivationQParams, SemanticsDocPower2Examples) {
  ActivationScheme sym = kSymI8;
  sym.power2 = true;
  sym.full_range_if_nonnegative = true;  // TI's unsigned activations
  auto s = ActivationQParams(-3.0f, 1.0f, sym);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->scale, 0.03125f);
  EXPECT_EQ(s->zero_point, 0);
  // uint8: ORT's midpoint 128 (PyTorch's quint8 uses 127; TINPU drops it).
  sym.storage = DType::kUInt8;
  s = ActivationQParams(-3.0f, 1.0f, sym);
  EXPECT_EQ(s->scale, 0.03125f);
  EXPECT_EQ(s->zero_point, 128);
  s = ActivationQParams(0.5f, 3.0f, sym);  // non-negative: whole range, zp = qmin
  EXPECT_EQ(s->scale, 0.015625f);
  EXPECT_EQ(s->zero_point, 0);
  sym.storage = DType::kInt8;
  s = ActivationQParams(0.0f, 3.0f, sym);
  EXPECT_EQ(s->scale, 0.015625f);
  EXPECT_EQ(s->zero_point, -128);
  sym.bits = 4;  // 4-bit signed: max_abs / 7.5
  sym.storage = DType::kUInt8;
  s = ActivationQParams(-3.0f, 3.0f, sym);
  EXPECT_EQ(s->scale, 0.5f);  // 3/7.5 = 0.4 -> 0.5
  EXPECT_EQ(s->zero_point, 8);  // rne(0 + 3 / 0.4) = rne(7.5) = 8
}

struct TorchCase {
  float lo, hi, scale;
  int64_t zp;
};

// torch.ao.quantization.MinMaxObserver(dtype=quint8 | qint8,
//   qscheme=per_tensor_affine)(torch.tensor([lo, hi])).calculate_qparams()
TEST(ActivationQParams, AffineMatchesTorchBitForBit) {
  const TorchCase u8[] = {{-1.0f, 3.0f, 0.01568627543747425f, 64},
                          {-0.3f, 0.7f, 0.003921568859368563f, 76},
                          {0.5f, 6.0f, 0.0235294122248888f, 0},
                          {-7.3f, -0.2f, 0.02862745150923729f, 255},
                          {-2.5f, 1.1f, 0.014117646962404251f, 177},
                          {0.0f, 0.0f, 1.1920928955078125e-07f, 0}};
  for (const TorchCase& c : u8) {
    auto q = ActivationQParams(c.lo, c.hi, kAsymU8);
    ASSERT_TRUE(q.ok());
    EXPECT_EQ(q->scale, c.scale) << c.lo << " " << c.hi;
    EXPECT_EQ(q->zero_point, c.zp) << c.lo << " " << c.hi;
  }
  const TorchCase i8[] = {{-1.0f, 3.0f, 0.01568627543747425f, -64},
                          {-0.3f, 0.7f, 0.003921568859368563f, -52},
                          {0.5f, 6.0f, 0.0235294122248888f, -128},
                          {-7.3f, -0.2f, 0.02862745150923729f, 127},
                          {-2.5f, 1.1f, 0.014117646962404251f, 49},
                          {0.0f, 0.0f, 1.1920928955078125e-07f, -128}};
  for (const TorchCase& c : i8) {
    auto q = ActivationQParams(c.lo, c.hi, kAsymI8);
    ASSERT_TRUE(q.ok());
    EXPECT_EQ(q->scale, c.scale) << c.lo << " " << c.hi;
    EXPECT_EQ(q->zero_point, c.zp) << c.lo << " " << c.hi;
  }
}

// Scales: torch MinMaxObserver(qscheme=per_tensor_symmetric) values. Zero
// points follow ONNX Runtime's compute_scale_zp with symmetric=True:
// rmax = max|x|, rmin = -rmax, zp = rne(qmin - rmin / s) = rne(qmin + 127.5):
// int8 rne(-0.5) = 0, uint8 rne(127.5) = 128 (torch's quint8 gives 127).
TEST(ActivationQParams, SymmetricMatchesTorchScalesAndOrtZeroPoints) {
  const TorchCase cases[] = {{-1.0f, 3.0f, 0.0235294122248888f, 0},
                             {-3.0f, 2.0f, 0.0235294122248888f, 0},
                             {-0.3f, 0.7f, 0.0054901959374547005f, 0}};
  for (const TorchCase& c : cases) {
    auto i8 = ActivationQParams(c.lo, c.hi, kSymI8);
    EXPECT_EQ(i8->scale, c.scale);
    EXPECT_EQ(i8->zero_point, 0);
    auto u8 = ActivationQParams(c.lo, c.hi, kSymU8);
    EXPECT_EQ(u8->scale, c.scale);
    EXPECT_EQ(u8->zero_point, 128);
  }
}

TEST(ActivationQParams, Power2RecomputesAffineZeroPoint) {
  ActivationScheme s = kAsymU8;
  s.power2 = true;
  // 1/255 = 0.00392 > 2^-8, so it rounds up to 2^-7;
  // zp = -rne(-0.3 / 2^-7 = -38.4) = 38 (76 without power2).
  auto q = ActivationQParams(-0.3f, 0.7f, s);
  EXPECT_EQ(q->scale, 0.0078125f);
  EXPECT_EQ(q->zero_point, 38);
  // 4/255 = 0.01569 > 2^-6 -> 2^-5; zp = -(-1 / 2^-5) = 32 (64 without).
  q = ActivationQParams(-1.0f, 3.0f, s);
  EXPECT_EQ(q->scale, 0.03125f);
  EXPECT_EQ(q->zero_point, 32);
  // 2/255 = 0.00784 > 2^-7 -> 2^-6; zp = -rne(-0.5 / 2^-6 = -32) = 32.
  q = ActivationQParams(-0.5f, 1.5f, s);
  EXPECT_EQ(q->scale, 0.015625f);
  EXPECT_EQ(q->zero_point, 32);
}

TEST(ActivationQParams, DegenerateRangeGetsEpsilonScale) {
  for (const ActivationScheme& s : {kAsymU8, kAsymI8, kSymI8, kSymU8}) {
    auto q = ActivationQParams(0.0f, 0.0f, s);
    ASSERT_TRUE(q.ok());
    EXPECT_EQ(q->scale, kMinScale);
  }
}

TEST(ActivationQParams, RejectsNonFiniteEmptyAndUnsupported) {
  EXPECT_EQ(ActivationQParams(NAN, 1.0f, kAsymU8).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ActivationQParams(-1.0f, INFINITY, kAsymU8).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ActivationQParams(2.0f, 1.0f, kAsymU8).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ActivationQParams(-1.0f, 1.0f, {DType::kInt8, 9, false, false}).status().code(),
            absl::StatusCode::kInvalidArgument);
  const float big = std::numeric_limits<float>::max();
  EXPECT_EQ(ActivationQParams(-big, big, kAsymU8).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// §3.1: max_abs / 127 per output channel, eps for an all-zero channel.
// torch PerChannelMinMaxObserver(ch_axis=0, qint8, per_channel_symmetric,
//   quant_min=-127, quant_max=127) on [[.5,-1.27,.1],[0,0,0],[3,-2,1]].
TEST(WeightScales, PerChannelMatchesTorch) {
  const Tensor w = Tensor::FromVector<float>({3, 3}, {0.5f, -1.27f, 0.1f, 0, 0, 0, 3, -2, 1});
  auto s = WeightScales(w, 0, 8, false, false);
  ASSERT_TRUE(s.ok());
  EXPECT_THAT(*s, ElementsAre(0.009999999776482582f, 1.1920928955078125e-07f,
                              0.023622047156095505f));
  s = WeightScales(w, 0, 8, false, /*power2=*/true);
  EXPECT_THAT(*s, ElementsAre(0.015625f, kMinScale, 0.03125f));
  s = WeightScales(w, 0, 4, false, false);  // / 7
  EXPECT_THAT(*s, ElementsAre(1.27f / 7.0f, kMinScale, 3.0f / 7.0f));
  s = WeightScales(w, 0, 8, /*per_tensor=*/true, false);
  EXPECT_THAT(*s, ElementsAre(3.0f / 127.0f));
}

TEST(WeightScales, InnerAxisAndNegativeAxis) {
  // [2, 3, 2] along axis 1: channel c sees w[:, c, :].
  const Tensor w = Tensor::FromVector<float>(
      {2, 3, 2}, {1, -2, 0.5f, 0, 4, 0, -8, 0, 0, 0.25f, 0, 127});
  auto s = WeightScales(w, -2, 8, false, false);
  ASSERT_TRUE(s.ok());
  EXPECT_THAT(*s, ElementsAre(8.0f / 127, 0.5f / 127, 1.0f));
}

TEST(WeightScales, RejectsBadInput) {
  const Tensor nan_w = Tensor::FromVector<float>({2}, {1.0f, NAN});
  EXPECT_EQ(WeightScales(nan_w, 0, 8, false, false).status().code(),
            absl::StatusCode::kInvalidArgument);
  const Tensor w = Tensor::FromVector<float>({2, 2}, {1, 2, 3, 4});
  EXPECT_FALSE(WeightScales(w, 2, 8, false, false).ok());
  EXPECT_FALSE(WeightScales(w, 0, 1, false, false).ok());
  EXPECT_FALSE(WeightScales(Tensor::FromVector<int32_t>({1}, {1}), 0, 8, false, false).ok());
}

}  // namespace
}  // namespace quantc
