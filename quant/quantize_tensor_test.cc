// Tests for QuantizeTensor and QuantizeBias (part of //quant:qparams_test):
// ONNX QuantizeLinear rounding and saturation, checked against numpy 1.24.2
// (/usr/bin/python3) values computed once and embedded below, plus
// hand-computed per-channel and bias cases.
#include <cmath>
#include <cstdint>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "quant/qparams.h"

namespace quantc {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

std::vector<int64_t> AsInts(const Tensor& t) {
  std::vector<int64_t> v;
  for (int64_t i = 0; i < t.num_elements(); ++i) v.push_back(static_cast<int64_t>(t.GetAsDouble(i)));
  return v;
}

// Reference: x = np.float32 array below;
//   np.clip(np.round(x / np.float32(s)) + zp, qmin, qmax)
// The float32 quotients x / 0.1 of 0.25, 0.75, 1.25, -0.25, -0.75 are exact
// ties (2.5, 7.5, 12.5, -2.5, -7.5), which round to even.
const std::vector<float> kX = {0.0f, 0.25f, 0.75f, 1.25f, -0.25f, -0.75f, 0.3f,
                               -0.3f, 31.74f, 31.76f, -32.1f, 100.0f, -100.0f, 0.1f};

TEST(QuantizeTensor, MatchesNumpyQuantizeLinear) {
  const Tensor x = Tensor::FromVector<float>({14}, kX);
  struct Case {
    float scale;
    int64_t zp;
    DType storage;
    std::vector<int64_t> expected;
  };
  const Case cases[] = {
      {0.25f, 0, DType::kInt8, {0, 1, 3, 5, -1, -3, 1, -1, 127, 127, -128, 127, -128, 0}},
      {0.1f, 3, DType::kInt8, {3, 5, 11, 15, 1, -5, 6, 0, 127, 127, -128, 127, -128, 4}},
      {0.25f, 128, DType::kUInt8,
       {128, 129, 131, 133, 127, 125, 129, 127, 255, 255, 0, 255, 0, 128}},
      {0.1f, 10, DType::kUInt8, {10, 12, 18, 22, 8, 2, 13, 7, 255, 255, 0, 255, 0, 11}},
  };
  for (const Case& c : cases) {
    auto q = QuantizeTensor(x, {c.scale}, {c.zp}, 0, c.storage, RangeFor(c.storage, 8, false));
    ASSERT_TRUE(q.ok());
    EXPECT_EQ(q->dtype(), c.storage);
    EXPECT_THAT(AsInts(*q), ElementsAreArray(c.expected)) << c.scale << " " << c.zp;
  }
}

TEST(QuantizeTensor, TiesToEvenAndSaturation) {
  const Tensor x = Tensor::FromVector<float>({8}, {2.5f, -2.5f, 3.5f, -3.5f, 0.5f, -0.5f,
                                                   1e9f, -INFINITY});
  auto q = QuantizeTensor(x, {1.0f}, {0}, 0, DType::kInt8, RangeFor(DType::kInt8, 8, false));
  EXPECT_THAT(AsInts(*q), ElementsAre(2, -2, 4, -4, 0, 0, 127, -128));
  q = QuantizeTensor(x, {1.0f}, {0}, 0, DType::kInt8, RangeFor(DType::kInt8, 4, true));
  EXPECT_THAT(AsInts(*q), ElementsAre(2, -2, 4, -4, 0, 0, 7, -7));
  q = QuantizeTensor(x, {1.0f}, {0}, 0, DType::kUInt8, RangeFor(DType::kUInt8, 8, false));
  EXPECT_THAT(AsInts(*q), ElementsAre(2, 0, 4, 0, 0, 0, 255, 0));
}

TEST(QuantizeTensor, PerChannelAlongAxis1) {
  const Tensor x = Tensor::FromVector<float>({2, 2, 2}, {1, 2, 1, 2, -1, -2, -1, -2});
  auto q = QuantizeTensor(x, {0.5f, 0.25f}, {0, 1}, 1, DType::kInt8,
                          RangeFor(DType::kInt8, 8, true));
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->dims(), (std::vector<int64_t>{2, 2, 2}));
  EXPECT_THAT(AsInts(*q), ElementsAre(2, 4, 5, 9, -2, -4, -3, -7));
}

TEST(QuantizeTensor, RejectsBadArguments) {
  const Tensor x = Tensor::FromVector<float>({2}, {1, 2});
  const IntRange i8 = RangeFor(DType::kInt8, 8, false);
  EXPECT_FALSE(QuantizeTensor(Tensor::FromVector<float>({1}, {NAN}), {1.0f}, {0}, 0,
                              DType::kInt8, i8).ok());
  EXPECT_FALSE(QuantizeTensor(x, {0.0f}, {0}, 0, DType::kInt8, i8).ok());
  EXPECT_FALSE(QuantizeTensor(x, {1.0f}, {200}, 0, DType::kInt8, i8).ok());
  EXPECT_FALSE(QuantizeTensor(x, {1.0f}, {0}, 0, DType::kInt8, {0, 255}).ok());
  EXPECT_FALSE(QuantizeTensor(x, {1.0f, 1.0f, 1.0f}, {0, 0, 0}, 0, DType::kInt8, i8).ok());
  EXPECT_FALSE(QuantizeTensor(x, {1.0f}, {}, 0, DType::kInt8, i8).ok());
  EXPECT_FALSE(QuantizeTensor(x, {1.0f}, {0}, 0, DType::kFloat32, i8).ok());
}

TEST(QuantizeTensor, WiderStorage) {
  const Tensor x = Tensor::FromVector<float>({3}, {-40000.0f, 1.5f, 70000.0f});
  auto q = QuantizeTensor(x, {1.0f}, {0}, 0, DType::kInt16, RangeFor(DType::kInt16, 16, false));
  EXPECT_THAT(AsInts(*q), ElementsAre(-32768, 2, 32767));
  q = QuantizeTensor(x, {1.0f}, {5}, 0, DType::kUInt16, RangeFor(DType::kUInt16, 16, false));
  EXPECT_THAT(AsInts(*q), ElementsAre(0, 7, 65535));
}

TEST(QuantizeBias, PerChannelScalesTiesAndZeroPoint) {
  // s_b = 0.5 * [0.25, 0.5] = [0.125, 0.25]; 0.3125 / 0.125 = 2.5 -> 2,
  // -0.625 / 0.25 = -2.5 -> -2.
  const Tensor b = Tensor::FromVector<float>({2}, {0.3125f, -0.625f});
  EXPECT_THAT(BiasScales(0.5f, {0.25f, 0.5f}), ElementsAre(0.125f, 0.25f));
  auto q = QuantizeBias(b, 0.5f, {0.25f, 0.5f});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->dtype(), DType::kInt32);
  EXPECT_THAT(AsInts(*q), ElementsAre(2, -2));
  // One weight scale quantizes any bias shape.
  const Tensor b2 = Tensor::FromVector<float>({1, 3}, {1.0f, -1.0f, 0.3f});
  q = QuantizeBias(b2, 0.1f, {0.1f});
  EXPECT_EQ(q->dims(), (std::vector<int64_t>{1, 3}));
  EXPECT_THAT(AsInts(*q), ElementsAre(100, -100, 30));
}

TEST(QuantizeBias, SaturatesToInt32) {
  const Tensor b = Tensor::FromVector<float>({3}, {1e10f, -1e10f, 2147483520.0f});
  auto q = QuantizeBias(b, 1.0f, {1.0f});
  ASSERT_TRUE(q.ok());
  EXPECT_THAT(AsInts(*q), ElementsAre(INT32_MAX, INT32_MIN, 2147483520));
}

TEST(QuantizeBias, RejectsCountMismatchAndNaN) {
  const Tensor b = Tensor::FromVector<float>({3}, {1, 2, 3});
  EXPECT_FALSE(QuantizeBias(b, 1.0f, {1.0f, 1.0f}).ok());
  EXPECT_FALSE(QuantizeBias(b, 1.0f, {}).ok());
  EXPECT_FALSE(QuantizeBias(Tensor::FromVector<float>({1}, {NAN}), 1.0f, {1.0f}).ok());
  EXPECT_FALSE(QuantizeBias(b, 0.0f, {1.0f}).ok());
}

}  // namespace
}  // namespace quantc
