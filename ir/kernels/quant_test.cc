// QuantizeLinear / DequantizeLinear and the integer matrix ops.
#include <algorithm>
#include <cmath>
#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ir/kernels/testing/node_runner.h"

namespace quantc {
namespace testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(Quantize, RoundsHalfToEvenAndSaturates) {
  // x / 1 = 2.5 -> 2, 3.5 -> 4, -2.5 -> -2; then + zero point 10.
  Tensor x = F32({6}, {2.5f, 3.5f, -2.5f, 1000, -1000, 0.49f});
  auto u8 = NodeRunner("QuantizeLinear", 3).Run1({x, F32({}, {1}), U8({}, {10})});
  ASSERT_TRUE(u8.ok()) << u8.status();
  EXPECT_THAT(Values<uint8_t>(*u8), ElementsAre(12, 14, 8, 255, 0, 10));
  auto i8 = NodeRunner("QuantizeLinear", 3).Run1({x, F32({}, {1}), I8({}, {0})});
  EXPECT_THAT(Values<int8_t>(*i8), ElementsAre(2, 4, -2, 127, -128, 0));
  // No zero point: uint8 with zero point 0.
  auto dflt = NodeRunner("QuantizeLinear", 2).Run1({F32({2}, {-1, 1}), F32({}, {0.5f})});
  EXPECT_EQ(dflt->dtype(), DType::kUInt8);
  EXPECT_THAT(Values<uint8_t>(*dflt), ElementsAre(0, 2));
}

// Against std::nearbyint on every half step in [-300, 300], values around
// 2^22 and 2^23 (where float spacing reaches 0.5 and 1), and the
// infinities: the kernel's rounding is round half to even everywhere.
TEST(Quantize, RoundingMatchesNearbyintAtTiesAndLargeValues) {
  std::vector<float> v;
  for (int k = -600; k <= 600; ++k) v.push_back(0.5f * static_cast<float>(k));
  for (float base : {4194304.0f, 8388608.0f}) {
    for (float d : {-2.5f, -1.5f, -1.0f, -0.5f, 0.0f, 0.5f, 1.0f, 1.5f, 2.5f}) {
      v.push_back(base + d);
      v.push_back(-(base + d));
    }
  }
  v.push_back(std::numeric_limits<float>::infinity());
  v.push_back(-std::numeric_limits<float>::infinity());
  const int64_t n = static_cast<int64_t>(v.size());
  for (int8_t zp : {int8_t{-128}, int8_t{0}, int8_t{5}}) {
    auto y = NodeRunner("QuantizeLinear", 3).Run1({F32({n}, v), F32({}, {1}), I8({}, {zp})});
    ASSERT_TRUE(y.ok()) << y.status();
    std::vector<int8_t> got = Values<int8_t>(*y);
    for (int64_t i = 0; i < n; ++i) {
      const float want = std::clamp(std::nearbyint(v[i]) + static_cast<float>(zp), -128.f, 127.f);
      EXPECT_EQ(got[i], static_cast<int8_t>(want)) << v[i] << " zp " << int{zp};
    }
  }
}

TEST(Quantize, DividesRatherThanMultipliesByTheReciprocal) {
  // In float32, 1.55f / 0.1f = 15.499999 -> 15, but 1.55f * (1 / 0.1f) is
  // exactly 15.5 -> 16. The spec (and ONNX Runtime) divide.
  auto y = NodeRunner("QuantizeLinear", 3).Run1({F32({1}, {1.55f}), F32({}, {0.1f}), U8({}, {0})});
  EXPECT_THAT(Values<uint8_t>(*y), ElementsAre(15));
}

TEST(Quantize, PerAxisFromOpset13) {
  Tensor x = F32({2, 2}, {1, 1, 1, 1});
  Tensor scale = F32({2}, {1, 0.5f});
  Tensor zp = I8({2}, {0, 1});
  auto y = NodeRunner("QuantizeLinear", 3).Attr(Attribute::Int("axis", 0)).Run1({x, scale, zp}, 13);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(Values<int8_t>(*y), ElementsAre(1, 1, 3, 3));
  auto last =
      NodeRunner("QuantizeLinear", 3).Attr(Attribute::Int("axis", -1)).Run1({x, scale, zp}, 13);
  EXPECT_THAT(Values<int8_t>(*last), ElementsAre(1, 3, 1, 3));
  // Opset 10 has no per-axis form.
  auto v10 = NodeRunner("QuantizeLinear", 3).Run1({x, scale, zp}, 10);
  EXPECT_THAT(v10.status().message(),
              HasSubstr("node 'n' (QuantizeLinear): scale must be a scalar"));
  auto mismatch =
      NodeRunner("QuantizeLinear", 3).Run1({F32({2, 3}, {0, 0, 0, 0, 0, 0}), scale, zp}, 13);
  EXPECT_THAT(mismatch.status().message(), HasSubstr("scale has 2 elements but axis 1"));
}

TEST(Dequantize, PerTensorPerAxisAndInt32) {
  auto y = NodeRunner("DequantizeLinear", 3)
               .Run1({U8({3}, {0, 128, 255}), F32({}, {0.5f}), U8({}, {128})});
  EXPECT_THAT(Values<float>(*y), ElementsAre(-64, 0, 63.5f));
  auto bias = NodeRunner("DequantizeLinear", 2)
                  .Attr(Attribute::Int("axis", 0))
                  .Run1({I32({2}, {-1000, 7}), F32({2}, {0.5f, 2})}, 13);
  ASSERT_TRUE(bias.ok()) << bias.status();
  EXPECT_THAT(Values<float>(*bias), ElementsAre(-500, 14));
}

TEST(Integer, MatMulIntegerWithZeroPoints) {
  auto y = NodeRunner("MatMulInteger", 4)
               .Run1({U8({2, 2}, {11, 12, 13, 14}), U8({2, 1}, {3, 4}), U8({}, {10}), U8({}, {2})});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->dtype(), DType::kInt32);
  EXPECT_THAT(Values<int32_t>(*y), ElementsAre(1 * 1 + 2 * 2, 3 * 1 + 4 * 2));
}

TEST(Integer, QLinearMatMulSpecExample) {
  // The example from the ONNX operator documentation.
  auto y =
      NodeRunner("QLinearMatMul", 8)
          .Run1({U8({2, 4}, {208, 236, 0, 238, 3, 214, 255, 29}), F32({}, {0.0066f}), U8({}, {113}),
                 U8({4, 3}, {152, 51, 244, 60, 26, 255, 0, 127, 246, 127, 254, 247}),
                 F32({}, {0.00705f}), U8({}, {114}), F32({}, {0.0107f}), U8({}, {118})});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(Values<uint8_t>(*y), ElementsAre(168, 115, 255, 1, 66, 151));
}

TEST(Integer, ConvIntegerPadsWithTheZeroPoint) {
  // x zero point 5: [6, 7] means [1, 2] and padding means real 0 (not
  // raw 0, which would contribute -5), so a 3-tap ones kernel gives [3, 3].
  auto y = NodeRunner("ConvInteger", 3)
               .Attr(Attribute::Ints("pads", {1, 1}))
               .Run1({U8({1, 1, 2}, {6, 7}), U8({1, 1, 3}, {1, 1, 1}), U8({}, {5})});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(Values<int32_t>(*y), ElementsAre(3, 3));
}

TEST(Integer, QLinearConvPerChannelWithBias) {
  // Two output channels with weight scales 1 and 2; x_scale 1, y_scale 2.
  auto y =
      NodeRunner("QLinearConv", 9)
          .Run1({I8({1, 1, 1, 2}, {3, -3}), F32({}, {1}), I8({}, {0}), I8({2, 1, 1, 1}, {2, 2}),
                 F32({2}, {1, 2}), I8({2}, {0, 0}), F32({}, {2}), I8({}, {1}), I32({2}, {1, -1})});
  ASSERT_TRUE(y.ok()) << y.status();
  // ch0: (6 + 1) * 1/2 = 3.5 -> 4, (-6 + 1)/2 = -2.5 -> -2; + 1
  // ch1: (6 - 1) * 2/2 = 5, (-6 - 1) = -7; + 1
  EXPECT_THAT(Values<int8_t>(*y), ElementsAre(5, -1, 6, -6));
}

}  // namespace
}  // namespace testing
}  // namespace quantc
