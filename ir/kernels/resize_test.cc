// Resize and Upsample. Expected values come from PyTorch 1.13's
// torch.nn.functional.interpolate where it has a matching mode (noted per
// test), otherwise from the ONNX formulas evaluated by hand with the
// original coordinates written next to them.
#include <optional>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ir/kernels/testing/node_runner.h"

namespace quantc {
namespace testing {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::FloatNear;
using ::testing::HasSubstr;
using ::testing::Pointwise;
using Dims = std::vector<int64_t>;

// [[1, 2, 4], [8, 16, 32]] as 1x1x2x3: distinct powers of two make every
// interpolation weight visible in the result.
Tensor Powers() { return F32({1, 1, 2, 3}, {1, 2, 4, 8, 16, 32}); }

Tensor Scales(const std::vector<float>& v) { return F32({static_cast<int64_t>(v.size())}, v); }

// Resize attributes: mode, coordinate_transformation_mode and, when given,
// nearest_mode plus any extras.
std::vector<Attribute> Attrs(const std::string& mode, const std::string& coord,
                             const std::string& nearest = "", std::vector<Attribute> extra = {}) {
  std::vector<Attribute> a = {Attribute::String("mode", mode),
                              Attribute::String("coordinate_transformation_mode", coord)};
  if (!nearest.empty()) a.push_back(Attribute::String("nearest_mode", nearest));
  for (Attribute& e : extra) a.push_back(std::move(e));
  return a;
}

absl::StatusOr<Tensor> RunResize(const std::vector<Attribute>& attrs,
                                 const std::vector<std::optional<Tensor>>& inputs) {
  NodeRunner node("Resize", 4);
  for (const Attribute& a : attrs) node.Attr(a);
  return node.Run1(inputs);
}

absl::StatusOr<Tensor> RunSizes(const std::vector<Attribute>& attrs, const Tensor& x,
                                const Dims& sizes) {
  return RunResize(attrs, {x, std::nullopt, std::nullopt, Ints(sizes)});
}

TEST(Resize, BilinearHalfPixelMatchesTorch) {
  // F.interpolate(x, size=(3, 5), mode="bilinear", align_corners=False).
  auto y = RunSizes(Attrs("linear", "half_pixel"), Powers(), {1, 1, 3, 5});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->dims(), (Dims{1, 1, 3, 5}));
  EXPECT_THAT(Values<float>(*y),
              Pointwise(FloatNear(1e-5f), {1.0f, 1.4f, 2.0f, 3.2f, 4.0f, 4.5f, 6.3f, 9.0f, 14.4f,
                                           18.0f, 8.0f, 11.2f, 16.0f, 25.6f, 32.0f}));
}

TEST(Resize, BilinearAlignCornersMatchesTorch) {
  // F.interpolate(x, size=(3, 5), mode="bilinear", align_corners=True).
  auto y = RunSizes(Attrs("linear", "align_corners"), Powers(), {1, 1, 3, 5});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(Values<float>(*y),
              Pointwise(FloatNear(1e-5f), {1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 4.5f, 6.75f, 9.0f, 13.5f,
                                           18.0f, 8.0f, 12.0f, 16.0f, 24.0f, 32.0f}));
}

TEST(Resize, LinearOneSpatialAxisWithScalesMatchesTorch) {
  // F.interpolate(x, scale_factor=2.5, mode="linear", align_corners=False,
  // recompute_scale_factor=False): output floor(4 * 2.5) = 10.
  auto y = RunResize(Attrs("linear", "half_pixel"),
                     {F32({1, 1, 4}, {1, 3, 2, 7}), std::nullopt, Scales({1, 1, 2.5f})});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->dims(), (Dims{1, 1, 10}));
  EXPECT_THAT(Values<float>(*y), Pointwise(FloatNear(1e-5f), {1.0f, 1.2f, 2.0f, 2.8f, 2.7f, 2.3f,
                                                              2.5f, 4.5f, 6.5f, 7.0f}));
}

TEST(Resize, BicubicHalfPixelMatchesTorch) {
  // F.interpolate(x, size=(3, 5), mode="bicubic", align_corners=False):
  // a = -0.75, edge taps clamped, which is ONNX's default cubic.
  auto y = RunSizes(Attrs("cubic", "half_pixel"), Powers(), {1, 1, 3, 5});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(
      Values<float>(*y),
      Pointwise(FloatNear(1e-4f),
                {0.354694515f, 0.488097489f, 0.784722388f, 1.293222308f, 1.644777775f, 4.068000793f,
                 5.598002911f, 9.000000954f, 14.832000733f, 18.864000320f, 7.781306744f,
                 10.707908631f, 17.215278625f, 28.370777130f, 36.083221436f}));
}

TEST(Resize, NearestAsymmetricFloorMatchesTorch) {
  // F.interpolate(x, size=(3, 5), mode="nearest") reads floor(x * in / out).
  auto y = RunSizes(Attrs("nearest", "asymmetric", "floor"), Powers(), {1, 1, 3, 5});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(Values<float>(*y), ElementsAre(1, 1, 2, 2, 4, 1, 1, 2, 2, 4, 8, 8, 16, 16, 32));
}

TEST(Resize, NearestHalfPixelRoundPreferCeilMatchesTorchNearestExact) {
  // F.interpolate(x, size=(3, 5), mode="nearest-exact").
  auto y = RunSizes(Attrs("nearest", "half_pixel", "round_prefer_ceil"), Powers(), {1, 1, 3, 5});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(Values<float>(*y), ElementsAre(1, 1, 2, 4, 4, 8, 8, 16, 32, 32, 8, 8, 16, 32, 32));
}

TEST(Resize, EveryNearestMode) {
  // Length 4 -> 3, half_pixel: x_original = (x + 0.5) * 4/3 - 0.5 =
  // 0.1667, 1.5, 2.8333, so each rounding rule picks different indices.
  const Tensor x = F32({4}, {10, 20, 30, 40});
  auto run = [&](const char* nearest_mode) {
    return Values<float>(*RunSizes(Attrs("nearest", "half_pixel", nearest_mode), x, {3}));
  };
  EXPECT_THAT(run("round_prefer_floor"), ElementsAre(10, 20, 40));  // 0, 1, 3
  EXPECT_THAT(run("round_prefer_ceil"), ElementsAre(10, 30, 40));   // 0, 2, 3
  EXPECT_THAT(run("floor"), ElementsAre(10, 20, 30));               // 0, 1, 2
  EXPECT_THAT(run("ceil"), ElementsAre(20, 30, 40));                // 1, 2, 3
  // The default is round_prefer_floor.
  EXPECT_THAT(Values<float>(*RunSizes(Attrs("nearest", "half_pixel"), x, {3})),
              ElementsAre(10, 20, 40));
}

TEST(Resize, NearestMovesAnyElementType) {
  auto y = RunSizes(Attrs("nearest", "asymmetric"), U8({1, 1, 2, 2}, {1, 2, 3, 4}), {1, 1, 4, 4});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->dtype(), DType::kUInt8);
  EXPECT_THAT(Values<uint8_t>(*y), ElementsAre(1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4));
}

TEST(Resize, TfCropAndResizeExtrapolates) {
  // roi [0.4, 1.2] of length 4, 3 outputs: x_original = 1.2 * x + 1.2 =
  // 1.2, 2.4, 3.6; the last is past the input, so extrapolation_value.
  auto y = RunResize(
      Attrs("linear", "tf_crop_and_resize", "", {Attribute::Float("extrapolation_value", 99)}),
      {F32({4}, {0, 10, 20, 30}), F32({2}, {0.4f, 1.2f}), std::nullopt, Ints({3})});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(Values<float>(*y), Pointwise(FloatNear(1e-4f), {12.0f, 24.0f, 99.0f}));
}

TEST(Resize, Opset10UsesAsymmetricAndCeilsWhenDownsampling) {
  // scales 0.6 on length 5: 3 outputs at x / 0.6 = 0, 1.667, 3.333, rounded
  // up (ONNX Runtime's opset-10 rule) to 0, 2, 4.
  NodeRunner node("Resize", 2);
  auto y = node.Run1({F32({5}, {10, 20, 30, 40, 50}), Scales({0.6f})}, 10);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(Values<float>(*y), ElementsAre(10, 30, 50));
}

TEST(Upsample, NearestScalesAttributeMatchesTorch) {
  // Opset 7: F.interpolate(x, scale_factor=(2, 3), mode="nearest").
  auto y = NodeRunner("Upsample")
               .Attr(Attribute::Floats("scales", {1, 1, 2, 3}))
               .Run1({F32({1, 1, 2, 2}, {1, 2, 3, 4})}, 7);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->dims(), (Dims{1, 1, 4, 6}));
  EXPECT_THAT(Values<float>(*y),
              ElementsAre(1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4));
}

TEST(Upsample, LinearScalesInputIsAsymmetric) {
  // Opset 9, scales 2: x_original = x / 2 = 0, 0.5, 1, 1.5, the last
  // clamped to the edge, along both axes.
  auto y = NodeRunner("Upsample", 2)
               .Attr(Attribute::String("mode", "linear"))
               .Run1({F32({1, 1, 2, 2}, {1, 2, 3, 4}), Scales({1, 1, 2, 2})}, 9);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_THAT(Values<float>(*y),
              ElementsAre(1, 1.5, 2, 2, 2, 2.5, 3, 3, 3, 3.5, 4, 4, 3, 3.5, 4, 4));
}

TEST(Upsample, RejectsDownscaling) {
  auto y = NodeRunner("Upsample", 2).Run1({F32({4}, {1, 2, 3, 4}), Scales({0.5f})}, 9);
  ASSERT_FALSE(y.ok());
  EXPECT_EQ(y.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(y.status().message(), HasSubstr("node 'n' (Upsample)"));
}

TEST(Resize, HalfFloatIsWidened) {
  // align_corners, 2 -> 3: the midpoint.
  Tensor x(DType::kFloat16, {2});
  x.mutable_data<uint16_t>()[0] = 0x3C00;  // 1.0
  x.mutable_data<uint16_t>()[1] = 0x4200;  // 3.0
  auto y = RunSizes(Attrs("linear", "align_corners"), x, {3});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->dtype(), DType::kFloat16);
  EXPECT_THAT(Values<uint16_t>(*y), ElementsAre(0x3C00, 0x4000, 0x4200));  // 1, 2, 3
}

TEST(Resize, ErrorsNameTheNode) {
  const Tensor x = F32({4}, {1, 2, 3, 4});
  // Both scales and sizes.
  auto both = RunResize(Attrs("linear", "half_pixel"), {x, std::nullopt, Scales({2}), Ints({8})});
  EXPECT_EQ(both.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(both.status().message(), HasSubstr("node 'n' (Resize)"));
  // Neither.
  EXPECT_FALSE(RunResize(Attrs("linear", "half_pixel"), {x}).ok());
  // Unknown attribute values.
  auto mode = RunSizes(Attrs("area", "half_pixel"), x, {8});
  EXPECT_EQ(mode.status().code(), absl::StatusCode::kInvalidArgument);
  auto coord = RunSizes(Attrs("linear", "half_pixel_symmetric"), x, {8});
  EXPECT_THAT(coord.status().message(), HasSubstr("half_pixel_symmetric"));
  // Linear on integers is not implemented (rounding is not specified).
  auto ints = RunSizes(Attrs("linear", "half_pixel"), I32({2}, {1, 2}), {4});
  EXPECT_EQ(ints.status().code(), absl::StatusCode::kUnimplemented);
  // crop needs roi; sizes must match the rank.
  EXPECT_FALSE(RunSizes(Attrs("linear", "tf_crop_and_resize"), x, {8}).ok());
  EXPECT_FALSE(RunSizes(Attrs("linear", "half_pixel"), x, {8, 8}).ok());
  // Resize does not exist before opset 10.
  auto old = NodeRunner("Resize", 2).Run1({x, Scales({2})}, 9);
  EXPECT_EQ(old.status().code(), absl::StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace testing
}  // namespace quantc
