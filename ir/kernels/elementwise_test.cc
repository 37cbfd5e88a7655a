// Elementwise families: binary arithmetic with broadcasting, unary math,
// comparisons, activations and softmax.
#include <cmath>
#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ir/kernels/half.h"
#include "ir/kernels/testing/node_runner.h"

namespace quantc {
namespace testing {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

TEST(Elementwise, AddBroadcastsBothWays) {
  // [2,1,3] + [4,1] -> [2,4,3]
  std::vector<float> a = {1, 2, 3, 10, 20, 30};
  std::vector<float> b = {100, 200, 300, 400};
  auto y = NodeRunner("Add", 2).Run1({F32({2, 1, 3}, a), F32({4, 1}, b)});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->dims(), (std::vector<int64_t>{2, 4, 3}));
  std::vector<float> want;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 3; ++k) want.push_back(a[i * 3 + k] + b[j]);
  EXPECT_EQ(Values<float>(*y), want);
}

TEST(Elementwise, ScalarAndEmpty) {
  auto y = NodeRunner("Mul", 2).Run1({F32({}, {3}), F32({2}, {1, 2})});
  ASSERT_TRUE(y.ok());
  EXPECT_THAT(Values<float>(*y), ElementsAre(3, 6));
  auto e = NodeRunner("Sub", 2).Run1({F32({0, 3}, {}), F32({3}, {1, 2, 3})});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->dims(), (std::vector<int64_t>{0, 3}));
}

TEST(Elementwise, IncompatibleShapesNameTheNode) {
  auto y = NodeRunner("Add", 2).Run1({F32({2, 3}, {1, 2, 3, 4, 5, 6}), F32({2}, {1, 2})});
  ASSERT_EQ(y.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(y.status().message(), HasSubstr("node 'n' (Add): shapes [2,3] and [2]"));
}

TEST(Elementwise, MixedTypesRejected) {
  auto y = NodeRunner("Add", 2).Run1({F32({1}, {1}), I64({1}, {1})});
  EXPECT_EQ(y.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(Elementwise, IntegerArithmeticWrapsAndDividesExactly) {
  auto add = NodeRunner("Add", 2).Run1({U8({2}, {250, 3}), U8({2}, {10, 4})});
  ASSERT_TRUE(add.ok());
  EXPECT_THAT(Values<uint8_t>(*add), ElementsAre(4, 7));
  auto div = NodeRunner("Div", 2).Run1({I32({4}, {7, -7, 7, -7}), I32({4}, {2, 2, -2, -2})});
  ASSERT_TRUE(div.ok());
  EXPECT_THAT(Values<int32_t>(*div), ElementsAre(3, -3, -3, 3));  // truncation
}

TEST(Elementwise, IntegerDivisionByZeroIsAnError) {
  auto y = NodeRunner("Div", 2).Run1({I32({2}, {1, 2}), I32({2}, {1, 0})});
  ASSERT_EQ(y.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(y.status().message(), HasSubstr("division by zero"));
}

TEST(Elementwise, ModFollowsDivisorSignUnlessFmod) {
  auto mod = NodeRunner("Mod", 2).Run1({I32({4}, {5, -5, 5, -5}), I32({4}, {3, 3, -3, -3})});
  ASSERT_TRUE(mod.ok());
  EXPECT_THAT(Values<int32_t>(*mod), ElementsAre(2, 1, -1, -2));
  auto fmod = NodeRunner("Mod", 2)
                  .Attr(Attribute::Int("fmod", 1))
                  .Run1({F32({2}, {5.5f, -5.5f}), F32({2}, {2, 2})});
  ASSERT_TRUE(fmod.ok());
  EXPECT_THAT(Values<float>(*fmod), ElementsAre(1.5f, -1.5f));
  // Float inputs require fmod=1.
  EXPECT_FALSE(NodeRunner("Mod", 2).Run1({F32({1}, {1}), F32({1}, {2})}).ok());
}

TEST(Elementwise, VariadicMinMaxSumMean) {
  NodeRunner max("Max", 3);
  auto y = max.Run1({F32({2}, {1, 5}), F32({}, {3}), F32({2, 1}, {0, 7})});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->dims(), (std::vector<int64_t>{2, 2}));
  EXPECT_THAT(Values<float>(*y), ElementsAre(3, 5, 7, 7));
  auto mn = NodeRunner("Min", 1).Run1({I64({2}, {4, -4})});
  ASSERT_TRUE(mn.ok());
  EXPECT_THAT(Values<int64_t>(*mn), ElementsAre(4, -4));
  auto mean = NodeRunner("Mean", 2).Run1({F32({2}, {1, 2}), F32({2}, {3, 5})});
  ASSERT_TRUE(mean.ok());
  EXPECT_THAT(Values<float>(*mean), ElementsAre(2, 3.5f));
}

TEST(Elementwise, Float16IsComputedInFloat32) {
  Tensor a(DType::kFloat16, {2});
  a.mutable_data<uint16_t>()[0] = kernels::FloatToHalf(1.5f);
  a.mutable_data<uint16_t>()[1] = kernels::FloatToHalf(-2.0f);
  auto y = NodeRunner("Max", 2).Run1({a, a});
  ASSERT_TRUE(y.ok()) << y.status();
  ASSERT_EQ(y->dtype(), DType::kFloat16);
  EXPECT_EQ(kernels::HalfToFloat(y->data<uint16_t>()[0]), 1.5f);
  EXPECT_EQ(kernels::HalfToFloat(y->data<uint16_t>()[1]), -2.0f);
}

TEST(Elementwise, PowAcceptsAnotherExponentType) {
  auto y = NodeRunner("Pow", 2).Run1({F32({3}, {2, 3, 4}), I64({}, {2})});
  ASSERT_TRUE(y.ok());
  EXPECT_THAT(Values<float>(*y), ElementsAre(4, 9, 16));
}

TEST(Unary, RoundIsHalfToEven) {
  auto y =
      NodeRunner("Round").Run1({F32({8}, {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 2.4f, 2.6f, -2.6f})});
  ASSERT_TRUE(y.ok());
  EXPECT_THAT(Values<float>(*y), ElementsAre(0, 2, 2, -0.0f, -2, 2, 3, -3));
}

TEST(Unary, FloorAbsNegSqrt) {
  EXPECT_THAT(Values<float>(*NodeRunner("Floor").Run1({F32({2}, {-1.5f, 1.5f})})),
              ElementsAre(-2, 1));
  EXPECT_THAT(Values<int8_t>(*NodeRunner("Abs").Run1({I8({2}, {-3, 3})})), ElementsAre(3, 3));
  EXPECT_THAT(Values<int64_t>(*NodeRunner("Neg").Run1({I64({1}, {5})})), ElementsAre(-5));
  EXPECT_THAT(Values<float>(*NodeRunner("Sqrt").Run1({F32({1}, {9})})), ElementsAre(3));
  // Float-only ops reject integers with Unimplemented.
  EXPECT_EQ(NodeRunner("Sqrt").Run1({I64({1}, {4})}).status().code(),
            absl::StatusCode::kUnimplemented);
}

TEST(Logical, ComparisonsAndWhere) {
  auto lt = NodeRunner("Less", 2).Run1({F32({3}, {1, 2, 3}), F32({}, {2})});
  ASSERT_TRUE(lt.ok());
  EXPECT_THAT(Values<bool>(*lt), ElementsAre(true, false, false));
  auto w = NodeRunner("Where", 3).Run1({*lt, I64({3}, {1, 2, 3}), I64({}, {0})});
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_THAT(Values<int64_t>(*w), ElementsAre(1, 0, 0));
}

TEST(Activations, ReluLeakyPRelu) {
  EXPECT_THAT(Values<float>(*NodeRunner("Relu").Run1({F32({2}, {-1, 2})})), ElementsAre(0, 2));
  EXPECT_THAT(Values<float>(*NodeRunner("LeakyRelu").Run1({F32({2}, {-1, 2})})),
              ElementsAre(-0.01f, 2));
  // PRelu slope [C,1,1] broadcasts over [N,C,H,W].
  auto p = NodeRunner("PRelu", 2)
               .Run1({F32({1, 2, 1, 2}, {-1, 1, -1, 1}), F32({2, 1, 1}, {0.5f, 0.25f})});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_THAT(Values<float>(*p), ElementsAre(-0.5f, 1, -0.25f, 1));
  // Slope must broadcast *to* X, not the other way round.
  EXPECT_FALSE(NodeRunner("PRelu", 2).Run1({F32({2}, {1, 2}), F32({2, 2}, {1, 1, 1, 1})}).ok());
}

TEST(Activations, ClipAttributesBeforeOpset11InputsAfter) {
  Tensor x = F32({4}, {-5, -1, 1, 5});
  auto v6 = NodeRunner("Clip")
                .Attr(Attribute::Float("min", -2))
                .Attr(Attribute::Float("max", 2))
                .Run1({x}, /*opset=*/10);
  ASSERT_TRUE(v6.ok());
  EXPECT_THAT(Values<float>(*v6), ElementsAre(-2, -1, 1, 2));
  auto v11 = NodeRunner("Clip", 3).Run1({x, std::nullopt, F32({}, {0})}, /*opset=*/11);
  ASSERT_TRUE(v11.ok()) << v11.status();
  EXPECT_THAT(Values<float>(*v11), ElementsAre(-5, -1, 0, 0));
  // From opset 11 the attributes are not part of the op any more: ignored.
  auto ignored = NodeRunner("Clip").Attr(Attribute::Float("min", 0)).Run1({x}, 13);
  ASSERT_TRUE(ignored.ok());
  EXPECT_THAT(Values<float>(*ignored), ElementsAre(-5, -1, 1, 5));
  auto ints = NodeRunner("Clip", 3).Run1({I32({3}, {-9, 0, 9}), I32({}, {-1}), I32({}, {1})}, 13);
  ASSERT_TRUE(ints.ok());
  EXPECT_THAT(Values<int32_t>(*ints), ElementsAre(-1, 0, 1));
  const float inf = std::numeric_limits<float>::infinity();
  auto open = NodeRunner("Clip", 1).Run1({F32({2}, {-inf, inf})}, 13);
  EXPECT_THAT(Values<float>(*open), ElementsAre(-inf, inf));
}

TEST(Activations, HardSigmoidHardSwishSigmoid) {
  EXPECT_THAT(Values<float>(*NodeRunner("HardSigmoid").Run1({F32({3}, {-5, 0, 5})})),
              ElementsAre(0, 0.5f, 1));
  EXPECT_THAT(Values<float>(*NodeRunner("HardSwish").Run1({F32({3}, {-4, 0, 4})})),
              ElementsAre(-0.0f, 0, 4));
  auto s = NodeRunner("Sigmoid").Run1({F32({2}, {0, -1000})});
  EXPECT_THAT(Values<float>(*s), ElementsAre(0.5f, 0));
}

TEST(Softmax, AxisSemanticsChangeAtOpset13) {
  // [1,2,2]: opset 11 normalizes over the flattened last two dims (axis 1),
  // opset 13 over the last dim only.
  Tensor x = F32({1, 2, 2}, {0, 0, 0, 0});
  auto v11 = NodeRunner("Softmax").Run1({x}, 11);
  auto v13 = NodeRunner("Softmax").Run1({x}, 13);
  ASSERT_TRUE(v11.ok() && v13.ok());
  EXPECT_THAT(Values<float>(*v11), ElementsAre(0.25f, 0.25f, 0.25f, 0.25f));
  EXPECT_THAT(Values<float>(*v13), ElementsAre(0.5f, 0.5f, 0.5f, 0.5f));
  auto neg = NodeRunner("Softmax").Attr(Attribute::Int("axis", -2)).Run1({x}, 13);
  ASSERT_TRUE(neg.ok());
  EXPECT_THAT(Values<float>(*neg), ElementsAre(0.5f, 0.5f, 0.5f, 0.5f));
  auto bad = NodeRunner("Softmax").Attr(Attribute::Int("axis", 3)).Run1({x}, 13);
  EXPECT_THAT(bad.status().message(), HasSubstr("node 'n' (Softmax): axis 3 is out of range"));
}

TEST(Softmax, LargeValuesAreStable) {
  auto y = NodeRunner("Softmax").Run1({F32({2}, {1000, 1000})});
  ASSERT_TRUE(y.ok());
  EXPECT_THAT(Values<float>(*y), ElementsAre(0.5f, 0.5f));
  auto l = NodeRunner("LogSoftmax").Run1({F32({2}, {1000, 1000})});
  EXPECT_NEAR(Values<float>(*l)[0], -std::log(2.0f), 1e-6);
}

}  // namespace
}  // namespace testing
}  // namespace quantc
