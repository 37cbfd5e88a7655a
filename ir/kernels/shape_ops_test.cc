// Shape and data-movement kernels, including every form that moved between
// attributes and inputs across opsets 7..17.
#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ir/kernels/half.h"
#include "ir/kernels/testing/node_runner.h"

namespace quantc {
namespace testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Dims = std::vector<int64_t>;

TEST(ShapeOps, ShapeWithStartEnd) {
  Tensor x = IotaF32({2, 3, 4});
  EXPECT_THAT(Values<int64_t>(*NodeRunner("Shape").Run1({x})), ElementsAre(2, 3, 4));
  auto sliced = NodeRunner("Shape")
                    .Attr(Attribute::Int("start", -2))
                    .Attr(Attribute::Int("end", 100))
                    .Run1({x}, 15);
  EXPECT_THAT(Values<int64_t>(*sliced), ElementsAre(3, 4));
}

TEST(ShapeOps, ReshapeZeroMinusOneAndAllowzero) {
  Tensor x = IotaF32({2, 3, 4});
  auto y = NodeRunner("Reshape", 2).Run1({x, Ints({0, -1})});
  ASSERT_TRUE(y.ok());
  EXPECT_EQ(y->dims(), (Dims{2, 12}));
  EXPECT_EQ(y->raw(), x.raw());  // no copy
  // allowzero=1 (opset 14) makes 0 a real dim: [0, 4] of 24 elements fails.
  auto az = NodeRunner("Reshape", 2).Attr(Attribute::Int("allowzero", 1)).Run1({x, Ints({0, -1})});
  EXPECT_FALSE(az.ok());
  auto bad = NodeRunner("Reshape", 2).Run1({x, Ints({5, -1})});
  EXPECT_THAT(bad.status().message(), HasSubstr("node 'n' (Reshape): cannot reshape [2,3,4]"));
  EXPECT_FALSE(NodeRunner("Reshape", 2).Run1({x, Ints({-1, -1})}).ok());
}

TEST(ShapeOps, FlattenAxisRange) {
  Tensor x = IotaF32({2, 3, 4});
  auto f = [&](int64_t axis) {
    return NodeRunner("Flatten").Attr(Attribute::Int("axis", axis)).Run1({x});
  };
  EXPECT_EQ(f(0)->dims(), (Dims{1, 24}));
  EXPECT_EQ(f(3)->dims(), (Dims{24, 1}));
  EXPECT_EQ(f(-1)->dims(), (Dims{6, 4}));
  EXPECT_FALSE(f(4).ok());
}

TEST(ShapeOps, SqueezeAxesAttributeThenInput) {
  Tensor x = IotaF32({1, 3, 1, 2});
  auto v11 = NodeRunner("Squeeze").Attr(Attribute::Ints("axes", {-2})).Run1({x}, 11);
  ASSERT_TRUE(v11.ok());
  EXPECT_EQ(v11->dims(), (Dims{1, 3, 2}));
  auto v13 = NodeRunner("Squeeze", 2).Run1({x, Ints({0})}, 13);
  ASSERT_TRUE(v13.ok());
  EXPECT_EQ(v13->dims(), (Dims{3, 1, 2}));
  auto all = NodeRunner("Squeeze").Run1({x}, 13);
  EXPECT_EQ(all->dims(), (Dims{3, 2}));
  auto bad = NodeRunner("Squeeze", 2).Run1({x, Ints({1})}, 13);
  EXPECT_THAT(bad.status().message(), HasSubstr("cannot squeeze axis 1 of size 3"));
}

TEST(ShapeOps, UnsqueezeAxesIndexTheOutput) {
  Tensor x = IotaF32({3, 4});
  auto v11 = NodeRunner("Unsqueeze").Attr(Attribute::Ints("axes", {3, 0})).Run1({x}, 11);
  ASSERT_TRUE(v11.ok()) << v11.status();
  EXPECT_EQ(v11->dims(), (Dims{1, 3, 4, 1}));
  auto v13 = NodeRunner("Unsqueeze", 2).Run1({x, Ints({-1})}, 13);
  EXPECT_EQ(v13->dims(), (Dims{3, 4, 1}));
  EXPECT_FALSE(NodeRunner("Unsqueeze", 2).Run1({x, Ints({0, 0})}, 13).ok());
  EXPECT_FALSE(NodeRunner("Unsqueeze", 1).Run1({x}, 13).ok());  // axes required
}

TEST(ShapeOps, DropoutIsIdentityWithTrueMask) {
  Tensor x = IotaF32({2});
  auto y = NodeRunner("Dropout", 1, 2).Run({x}, 13);
  ASSERT_TRUE(y.ok());
  EXPECT_EQ((*y)[0], x);
  EXPECT_THAT(Values<bool>((*y)[1]), ElementsAre(true, true));
  auto train = NodeRunner("Dropout", 3).Run({x, F32({}, {0.5f}), Tensor::Scalar<bool>(true)}, 13);
  EXPECT_EQ(train.status().code(), absl::StatusCode::kUnimplemented);
}

TEST(ShapeOps, CastRulesAndHalfRounding) {
  auto i8 = NodeRunner("Cast").Attr(Attribute::Int("to", 3)).Run1({F32({3}, {-1.7f, 2.9f, 300})});
  ASSERT_TRUE(i8.ok());
  EXPECT_THAT(Values<int8_t>(*i8), ElementsAre(-1, 2, 44));  // truncate, then wrap
  // Halfway cases round to the even mantissa; 65520 rounds up to inf.
  auto h = NodeRunner("Cast")
               .Attr(Attribute::Int("to", 10))
               .Run1({F32({3}, {1.0f + 1.0f / 2048, 1.0f + 3.0f / 2048, 65520})});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->data<uint16_t>()[0], 0x3c00);
  EXPECT_EQ(h->data<uint16_t>()[1], 0x3c02);
  EXPECT_EQ(h->data<uint16_t>()[2], 0x7c00);
  auto s = NodeRunner("Cast").Attr(Attribute::Int("to", 8)).Run1({F32({1}, {0.1f})});
  EXPECT_EQ(s->strings()[0], "0.1");
  auto back = NodeRunner("Cast").Attr(Attribute::Int("to", 1)).Run1({*s});
  EXPECT_THAT(Values<float>(*back), ElementsAre(0.1f));
  auto junk = NodeRunner("Cast").Attr(Attribute::Int("to", 1)).Run1({Tensor::Strings({1}, {"x"})});
  EXPECT_EQ(junk.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ShapeOps, ConstantForms) {
  auto v = NodeRunner("Constant", 0).Attr(Attribute::TensorValue("value", IotaF32({2}))).Run1({});
  EXPECT_THAT(Values<float>(*v), ElementsAre(0, 1));
  auto ints = NodeRunner("Constant", 0).Attr(Attribute::Ints("value_ints", {4, 5})).Run1({});
  EXPECT_THAT(Values<int64_t>(*ints), ElementsAre(4, 5));
  auto f = NodeRunner("Constant", 0).Attr(Attribute::Float("value_float", 2)).Run1({});
  EXPECT_EQ(f->dims(), Dims{});
  EXPECT_FALSE(NodeRunner("Constant", 0).Run1({}).ok());
}

TEST(DataMovement, TransposeDefaultAndPerm) {
  Tensor x = IotaF32({2, 3});
  EXPECT_THAT(Values<float>(*NodeRunner("Transpose").Run1({x})), ElementsAre(0, 3, 1, 4, 2, 5));
  auto p = NodeRunner("Transpose").Attr(Attribute::Ints("perm", {1, 2, 0})).Run1({IotaF32({2, 2, 2})});
  ASSERT_TRUE(p.ok());
  EXPECT_THAT(Values<float>(*p), ElementsAre(0, 4, 1, 5, 2, 6, 3, 7));
  EXPECT_FALSE(NodeRunner("Transpose").Attr(Attribute::Ints("perm", {0, 0})).Run1({x}).ok());
}

TEST(DataMovement, SliceAttributesThenInputs) {
  Tensor x = IotaF32({3, 4});
  auto v9 = NodeRunner("Slice")
                .Attr(Attribute::Ints("starts", {1}))
                .Attr(Attribute::Ints("ends", {1000}))
                .Attr(Attribute::Ints("axes", {1}))
                .Run1({x}, 9);
  ASSERT_TRUE(v9.ok()) << v9.status();
  EXPECT_EQ(v9->dims(), (Dims{3, 3}));
  // Negative step walks backwards; starts/ends clamp.
  auto v13 = NodeRunner("Slice", 5)
                 .Run1({x, Ints({-1, 100}), Ints({-100, 0}), Ints({0, 1}), Ints({-2, -1})}, 13);
  ASSERT_TRUE(v13.ok()) << v13.status();
  EXPECT_EQ(v13->dims(), (Dims{2, 3}));
  EXPECT_THAT(Values<float>(*v13), ElementsAre(11, 10, 9, 3, 2, 1));
  auto empty = NodeRunner("Slice", 3).Run1({x, Ints({2}), Ints({1})}, 13);
  EXPECT_EQ(empty->dims(), (Dims{0, 4}));
  EXPECT_FALSE(
      NodeRunner("Slice", 5).Run1({x, Ints({0}), Ints({1}), Ints({0}), Ints({0})}, 13).ok());
}

TEST(DataMovement, SplitAttributeThenInput) {
  Tensor x = IotaF32({2, 6});
  auto eq = NodeRunner("Split", 1, 3).Attr(Attribute::Int("axis", -1)).Run({x}, 13);
  ASSERT_TRUE(eq.ok());
  EXPECT_THAT(Values<float>((*eq)[1]), ElementsAre(2, 3, 8, 9));
  auto v11 = NodeRunner("Split", 1, 2)
                 .Attr(Attribute::Int("axis", 1))
                 .Attr(Attribute::Ints("split", {1, 5}))
                 .Run({x}, 11);
  ASSERT_TRUE(v11.ok());
  EXPECT_EQ((*v11)[1].dims(), (Dims{2, 5}));
  auto v13 = NodeRunner("Split", 2, 2).Attr(Attribute::Int("axis", 1)).Run({x, Ints({4, 2})}, 13);
  ASSERT_TRUE(v13.ok());
  EXPECT_EQ((*v13)[0].dims(), (Dims{2, 4}));
  auto uneven = NodeRunner("Split", 1, 4).Attr(Attribute::Int("axis", 1)).Run({x}, 13);
  EXPECT_THAT(uneven.status().message(), HasSubstr("does not split into 4 equal parts"));
}

TEST(DataMovement, ConcatAndGather) {
  auto c =
      NodeRunner("Concat", 2).Attr(Attribute::Int("axis", -1)).Run1({IotaF32({2, 1}), IotaF32({2, 2})});
  ASSERT_TRUE(c.ok());
  EXPECT_THAT(Values<float>(*c), ElementsAre(0, 0, 1, 1, 2, 3));
  EXPECT_FALSE(NodeRunner("Concat", 2)
                   .Attr(Attribute::Int("axis", 0))
                   .Run1({IotaF32({2, 1}), IotaF32({2, 2})})
                   .ok());
  auto g = NodeRunner("Gather", 2)
               .Attr(Attribute::Int("axis", 1))
               .Run1({IotaF32({2, 3}), I64({2}, {-1, 0})});
  ASSERT_TRUE(g.ok());
  EXPECT_THAT(Values<float>(*g), ElementsAre(2, 0, 5, 3));
  auto oob = NodeRunner("Gather", 2).Run1({IotaF32({2, 3}), I64({1}, {2})});
  EXPECT_THAT(oob.status().message(), HasSubstr("index 2 is out of range"));
  auto scalar = NodeRunner("Gather", 2).Run1({IotaF32({2, 3}), I64({}, {1})});
  EXPECT_EQ(scalar->dims(), (Dims{3}));
}

TEST(DataMovement, PadModesAndForms) {
  Tensor x = IotaF32({1, 3});
  auto v2 = NodeRunner("Pad")
                .Attr(Attribute::Ints("pads", {0, 1, 0, 2}))
                .Attr(Attribute::Float("value", 9))
                .Run1({x}, 10);
  ASSERT_TRUE(v2.ok()) << v2.status();
  EXPECT_THAT(Values<float>(*v2), ElementsAre(9, 0, 1, 2, 9, 9));
  auto refl = NodeRunner("Pad", 2)
                  .Attr(Attribute::String("mode", "reflect"))
                  .Run1({x, Ints({0, 2, 0, 2})}, 13);
  EXPECT_THAT(Values<float>(*refl), ElementsAre(2, 1, 0, 1, 2, 1, 0));
  auto edge = NodeRunner("Pad", 2)
                  .Attr(Attribute::String("mode", "edge"))
                  .Run1({x, Ints({1, 1, 0, 0})}, 13);
  EXPECT_EQ(edge->dims(), (Dims{2, 4}));
  EXPECT_THAT(Values<float>(*edge), ElementsAre(0, 0, 1, 2, 0, 0, 1, 2));
  auto crop = NodeRunner("Pad", 3).Run1({x, Ints({0, -1, 0, 1}), F32({}, {7})}, 13);
  EXPECT_THAT(Values<float>(*crop), ElementsAre(1, 2, 7));
}

TEST(DataMovement, ExpandAndTile) {
  auto e = NodeRunner("Expand", 2).Run1({IotaF32({3, 1}), Ints({2, 1, 2})});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->dims(), (Dims{2, 3, 2}));
  EXPECT_THAT(Values<float>(*e), ElementsAre(0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2));
  auto t = NodeRunner("Tile", 2).Run1({IotaF32({2}), Ints({2})});
  EXPECT_THAT(Values<float>(*t), ElementsAre(0, 1, 0, 1));
}

TEST(DataMovement, ShapesFromDataAreBounded) {
  auto huge = NodeRunner("ConstantOfShape").Run1({Ints({1 << 20, 1 << 20})});
  EXPECT_THAT(huge.status().message(),
              HasSubstr("node 'n' (ConstantOfShape): shape [1048576,1048576] of f32 needs 4 TiB, "
                        "more than quantc's tensor size limit of 1 GiB"));
  EXPECT_FALSE(NodeRunner("Expand", 2).Run1({IotaF32({1}), Ints({-1})}).ok());
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_FALSE(NodeRunner("Range", 3).Run1({F32({}, {0}), F32({}, {nan}), F32({}, {1})}).ok());
  EXPECT_FALSE(NodeRunner("Tile", 2).Run1({IotaF32({2}), Ints({int64_t{1} << 40})}).ok());
}

}  // namespace
}  // namespace testing
}  // namespace quantc
