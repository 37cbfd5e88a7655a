// DepthToSpace and SpaceToDepth. Expected values: numpy's
// reshape/transpose/reshape from the ONNX spec (DCR, SpaceToDepth) and
// torch.nn.functional.pixel_shuffle (which is CRD).
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ir/kernels/testing/node_runner.h"

namespace quantc {
namespace testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Dims = std::vector<int64_t>;

TEST(DepthToSpace, DcrAndCrd) {
  const Tensor x = IotaI64({1, 8, 1, 2});
  auto dcr = NodeRunner("DepthToSpace").Attr(Attribute::Int("blocksize", 2)).Run1({x});
  ASSERT_TRUE(dcr.ok()) << dcr.status();
  EXPECT_EQ(dcr->dims(), (Dims{1, 2, 2, 4}));
  EXPECT_THAT(Values<int64_t>(*dcr),
              ElementsAre(0, 4, 1, 5, 8, 12, 9, 13, 2, 6, 3, 7, 10, 14, 11, 15));
  auto crd = NodeRunner("DepthToSpace")
                 .Attr(Attribute::Int("blocksize", 2))
                 .Attr(Attribute::String("mode", "CRD"))
                 .Run1({x});
  ASSERT_TRUE(crd.ok()) << crd.status();
  EXPECT_THAT(Values<int64_t>(*crd),
              ElementsAre(0, 2, 1, 3, 4, 6, 5, 7, 8, 10, 9, 11, 12, 14, 13, 15));
  // Before opset 11 there is no mode attribute: always DCR.
  auto old = NodeRunner("DepthToSpace")
                 .Attr(Attribute::Int("blocksize", 2))
                 .Attr(Attribute::String("mode", "CRD"))
                 .Run1({x}, 9);
  EXPECT_EQ(Values<int64_t>(*old), Values<int64_t>(*dcr));
}

TEST(SpaceToDepth, InvertsDcr) {
  auto y =
      NodeRunner("SpaceToDepth").Attr(Attribute::Int("blocksize", 2)).Run1({IotaI64({1, 1, 4, 4})});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->dims(), (Dims{1, 4, 2, 2}));
  EXPECT_THAT(Values<int64_t>(*y),
              ElementsAre(0, 2, 8, 10, 1, 3, 9, 11, 4, 6, 12, 14, 5, 7, 13, 15));
  auto c2 =
      NodeRunner("SpaceToDepth").Attr(Attribute::Int("blocksize", 2)).Run1({IotaI64({1, 2, 2, 6})});
  ASSERT_TRUE(c2.ok()) << c2.status();
  EXPECT_EQ(c2->dims(), (Dims{1, 8, 1, 3}));
  EXPECT_THAT(Values<int64_t>(*c2), ElementsAre(0, 2, 4, 12, 14, 16, 1, 3, 5, 13, 15, 17, 6, 8, 10,
                                                18, 20, 22, 7, 9, 11, 19, 21, 23));
  auto back = NodeRunner("DepthToSpace").Attr(Attribute::Int("blocksize", 2)).Run1({*c2});
  EXPECT_EQ(Values<int64_t>(*back), Values<int64_t>(IotaI64({1, 2, 2, 6})));
}

TEST(DepthToSpace, Errors) {
  const Tensor x = IotaI64({1, 8, 1, 2});
  auto no_block = NodeRunner("DepthToSpace").Run1({x});
  EXPECT_THAT(no_block.status().message(),
              HasSubstr("node 'n' (DepthToSpace): attribute 'blocksize'"));
  auto bad_c = NodeRunner("DepthToSpace").Attr(Attribute::Int("blocksize", 3)).Run1({x});
  EXPECT_EQ(bad_c.status().code(), absl::StatusCode::kInvalidArgument);
  auto bad_mode = NodeRunner("DepthToSpace")
                      .Attr(Attribute::Int("blocksize", 2))
                      .Attr(Attribute::String("mode", "XYZ"))
                      .Run1({x});
  EXPECT_EQ(bad_mode.status().code(), absl::StatusCode::kInvalidArgument);
  auto bad_hw = NodeRunner("SpaceToDepth").Attr(Attribute::Int("blocksize", 2)).Run1({x});
  EXPECT_EQ(bad_hw.status().code(), absl::StatusCode::kInvalidArgument);
  auto rank3 =
      NodeRunner("SpaceToDepth").Attr(Attribute::Int("blocksize", 1)).Run1({IotaI64({1, 2, 2})});
  EXPECT_EQ(rank3.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace testing
}  // namespace quantc
