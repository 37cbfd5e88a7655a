// Pools, reductions and BatchNormalization.
#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ir/kernels/testing/node_runner.h"

namespace quantc {
namespace testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Dims = std::vector<int64_t>;

TEST(Pool, MaxPoolPadsStridesAndIndices) {
  // 4x4 iota, 2x2 windows, stride 2: maxima are the bottom-right corners.
  auto y = NodeRunner("MaxPool", 1, 2)
               .Attr(Attribute::Ints("kernel_shape", {2, 2}))
               .Attr(Attribute::Ints("strides", {2, 2}))
               .Run({IotaF32({1, 1, 4, 4})});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(Values<float>((*y)[0]), ElementsAre(5, 7, 13, 15));
  EXPECT_THAT(Values<int64_t>((*y)[1]), ElementsAre(5, 7, 13, 15));
  auto cm = NodeRunner("MaxPool", 1, 2)
                .Attr(Attribute::Ints("kernel_shape", {2, 2}))
                .Attr(Attribute::Ints("strides", {2, 2}))
                .Attr(Attribute::Int("storage_order", 1))
                .Run({IotaF32({1, 1, 4, 4})});
  EXPECT_THAT(Values<int64_t>((*cm)[1]), ElementsAre(5, 13, 7, 15));  // w * H + h
  // Padding never wins, even against negative values.
  auto neg = NodeRunner("MaxPool")
                 .Attr(Attribute::Ints("kernel_shape", {3}))
                 .Attr(Attribute::Ints("pads", {1, 1}))
                 .Run1({F32({1, 1, 2}, {-5, -3})});
  EXPECT_THAT(Values<float>(*neg), ElementsAre(-3, -3));
}

TEST(Pool, CeilModeAddsAPartialWindow) {
  auto floor = NodeRunner("MaxPool")
                   .Attr(Attribute::Ints("kernel_shape", {2}))
                   .Attr(Attribute::Ints("strides", {2}))
                   .Run1({IotaF32({1, 1, 5})});
  auto ceil = NodeRunner("MaxPool")
                  .Attr(Attribute::Ints("kernel_shape", {2}))
                  .Attr(Attribute::Ints("strides", {2}))
                  .Attr(Attribute::Int("ceil_mode", 1))
                  .Run1({IotaF32({1, 1, 5})});
  EXPECT_THAT(Values<float>(*floor), ElementsAre(1, 3));
  EXPECT_THAT(Values<float>(*ceil), ElementsAre(1, 3, 4));
}

TEST(Pool, AveragePoolCountIncludePad) {
  auto node = [](int include) {
    return NodeRunner("AveragePool")
        .Attr(Attribute::Ints("kernel_shape", {3}))
        .Attr(Attribute::Ints("pads", {1, 1}))
        .Attr(Attribute::Int("count_include_pad", include))
        .Run1({F32({1, 1, 3}, {3, 6, 9})});
  };
  EXPECT_THAT(Values<float>(*node(0)), ElementsAre(4.5f, 6, 7.5f));
  EXPECT_THAT(Values<float>(*node(1)), ElementsAre(3, 6, 5));
  EXPECT_FALSE(NodeRunner("AveragePool").Run1({IotaF32({1, 1, 3})}).ok());  // kernel_shape required
}

TEST(Pool, GlobalPools) {
  auto avg = NodeRunner("GlobalAveragePool").Run1({IotaF32({1, 2, 2, 2})});
  ASSERT_TRUE(avg.ok());
  EXPECT_EQ(avg->dims(), (Dims{1, 2, 1, 1}));
  EXPECT_THAT(Values<float>(*avg), ElementsAre(1.5f, 5.5f));
  auto mx = NodeRunner("GlobalMaxPool").Run1({IotaF32({1, 2, 3})});
  EXPECT_THAT(Values<float>(*mx), ElementsAre(2, 5));
}

TEST(Reduce, ReduceSumAxesAttributeThenInput) {
  Tensor x = IotaF32({2, 3});
  auto v11 = NodeRunner("ReduceSum").Attr(Attribute::Ints("axes", {1})).Run1({x}, 11);
  ASSERT_TRUE(v11.ok());
  EXPECT_EQ(v11->dims(), (Dims{2, 1}));
  EXPECT_THAT(Values<float>(*v11), ElementsAre(3, 12));
  auto v13 =
      NodeRunner("ReduceSum", 2).Attr(Attribute::Int("keepdims", 0)).Run1({x, Ints({-2})}, 13);
  ASSERT_TRUE(v13.ok());
  EXPECT_EQ(v13->dims(), (Dims{3}));
  EXPECT_THAT(Values<float>(*v13), ElementsAre(3, 5, 7));
  auto all = NodeRunner("ReduceSum").Run1({x}, 13);
  EXPECT_EQ(all->dims(), (Dims{1, 1}));
  auto noop = NodeRunner("ReduceSum", 2)
                  .Attr(Attribute::Int("noop_with_empty_axes", 1))
                  .Run1({x, Ints({})}, 13);
  EXPECT_EQ(*noop, x);
}

TEST(Reduce, MeanMaxArgMax) {
  Tensor x = F32({2, 2}, {1, 4, 3, 2});
  auto mean = NodeRunner("ReduceMean").Attr(Attribute::Ints("axes", {-1})).Run1({x}, 13);
  EXPECT_THAT(Values<float>(*mean), ElementsAre(2.5f, 2.5f));
  auto mx = NodeRunner("ReduceMax").Attr(Attribute::Int("keepdims", 0)).Run1({x});
  EXPECT_THAT(Values<float>(*mx), ElementsAre(4));
  auto am = NodeRunner("ArgMax").Attr(Attribute::Int("axis", 1)).Run1({x});
  EXPECT_EQ(am->dims(), (Dims{2, 1}));
  EXPECT_THAT(Values<int64_t>(*am), ElementsAre(1, 0));
  auto bad = NodeRunner("ReduceMean").Attr(Attribute::Ints("axes", {2})).Run1({x});
  EXPECT_THAT(bad.status().message(), HasSubstr("node 'n' (ReduceMean): axis 2 is out of range"));
}

TEST(BatchNorm, InferenceFormula) {
  Tensor x = F32({1, 2, 1, 2}, {1, 2, 3, 4});
  auto y = NodeRunner("BatchNormalization", 5)
               .Attr(Attribute::Float("epsilon", 0))
               .Run1({x, F32({2}, {2, 1}), F32({2}, {0, 10}), F32({2}, {1, 3}), F32({2}, {4, 1})});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(Values<float>(*y), ElementsAre(0, 1, 10, 11));
  auto bad =
      NodeRunner("BatchNormalization", 5)
          .Run1({x, F32({3}, {1, 1, 1}), F32({2}, {0, 0}), F32({2}, {0, 0}), F32({2}, {1, 1})});
  EXPECT_THAT(bad.status().message(),
              HasSubstr("scale (f32 [3]) must be a f32 vector of 2 channels"));
}

TEST(BatchNorm, TrainingModeUpdatesRunningStats) {
  Tensor x = F32({2, 1}, {1, 3});
  auto y = NodeRunner("BatchNormalization", 5, 3)
               .Attr(Attribute::Int("training_mode", 1))
               .Attr(Attribute::Float("epsilon", 0))
               .Attr(Attribute::Float("momentum", 0.5f))
               .Run({x, F32({1}, {1}), F32({1}, {0}), F32({1}, {0}), F32({1}, {1})}, 15);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(Values<float>((*y)[0]), ElementsAre(-1, 1));
  EXPECT_THAT(Values<float>((*y)[1]), ElementsAre(1));  // 0 * .5 + 2 * .5
  EXPECT_THAT(Values<float>((*y)[2]), ElementsAre(1));  // 1 * .5 + 1 * .5
}

}  // namespace
}  // namespace testing
}  // namespace quantc
