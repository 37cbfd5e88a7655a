// Every NPU layer constraint of tinpu-format.md §6, passing and failing, on
// one- or two-layer graphs in ONNX text syntax, checked through the
// eligibility report (NpuEligibility -> CheckNpuLayer -> NpuRules()).
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "backends/tinpu/eligibility.h"
#include "backends/tinpu/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace quantc::tinpu {
namespace {

using testing::ConvModel;
using ::testing::HasSubstr;
using testing::Import;
using testing::Init;
using testing::Model;
using K = NpuLayerKind;

const BitWidths kW8{8, 8};
const BitWidths kW4{4, 8};

std::vector<LayerReport> Report(const std::string& text, const BitWidths& bits = kW8) {
  std::unique_ptr<Graph> g = Import(text);
  return g ? NpuEligibility(*g, bits) : std::vector<LayerReport>{};
}

// The verdict on the model's only (or last) layer.
LayerReport Last(const std::string& text, const BitWidths& bits = kW8) {
  std::vector<LayerReport> r = Report(text, bits);
  EXPECT_FALSE(r.empty());
  return r.empty() ? LayerReport{"", "", K::kOther, false, "no layer"} : r.back();
}

// conv1 (FCONV 1 -> c_mid, kernel 1x1) then conv2 with weight `w2`, so that
// conv2 is not the first conv.
std::string SecondConv(int64_t c_mid, std::vector<int64_t> w2, absl::string_view attrs = "") {
  return Model({1, 1, 32, 4}, {Init("w1", {c_mid, 1, 1, 1}), Init("w2", w2)},
               absl::StrCat("h = Conv(x, w1)\ny = Conv",
                            attrs.empty() ? "" : absl::StrCat("<", attrs, ">"), "(h, w2)"));
}

void ExpectOnNpu(const LayerReport& r, K kind) {
  EXPECT_EQ(r.kind, kind) << NpuLayerKindName(r.kind);
  EXPECT_TRUE(r.on_npu) << r.failed_constraint;
  EXPECT_EQ(r.failed_constraint, "");
}

void ExpectFails(const LayerReport& r, K kind, absl::string_view constraint) {
  EXPECT_EQ(r.kind, kind) << NpuLayerKindName(r.kind);
  EXPECT_FALSE(r.on_npu);
  EXPECT_THAT(r.failed_constraint, HasSubstr(std::string(constraint)));
}

TEST(FirstConv, OneInputChannelPasses) {
  ExpectOnNpu(Last(ConvModel({1, 1, 32, 1}, {8, 1, 5, 1})), K::kFirstConv);
  ExpectOnNpu(Last(ConvModel({1, 1, 32, 1}, {4, 1, 8, 1})), K::kFirstConv);
}

TEST(FirstConv, TwoInputChannelsFail) {
  ExpectFails(Last(ConvModel({1, 2, 32, 1}, {8, 2, 3, 1})), K::kFirstConv, "reads 1 input channel: this layer has 2 input channels; give the model a "
              "1-channel input, or pad it to 4 channels (zeros) so this layer runs as a general "
              "convolution (GCONV)");
}

TEST(FirstConv, OutChannelsAndKernelFail) {
  ExpectFails(Last(ConvModel({1, 1, 32, 1}, {6, 1, 3, 1})), K::kFirstConv,
              "output channels must be a multiple of 4: this layer has 6; 8 would fit");
  ExpectFails(Last(ConvModel({1, 1, 32, 1}, {8, 1, 9, 1})), K::kFirstConv,
              "FCONV kernels are at most 8 wide: this layer has 9x1");
}

TEST(FirstConv, ReportsEveryFailedConstraint) {
  LayerReport r = Last(ConvModel({1, 3, 32, 1}, {6, 3, 9, 1}));
  // The padded-input advice says what GCONV would still need.
  ExpectFails(r, K::kFirstConv,
              "FCONV (the NPU's first convolution) reads 1 input channel: this layer has 3 input "
              "channels; give the model a 1-channel input, or pad it to 4 channels (zeros) so "
              "this layer runs as a general convolution (GCONV), where output channels must be a "
              "multiple of 4: this layer has 6; 8 would fit (extra all-zero filters whose outputs "
              "are ignored); GCONV kernels are at most 7 wide: this layer has 9x1; use a smaller "
              "kernel, or two stacked ones; FCONV output channels must be a multiple of 4: this "
              "layer has 6; 8 would fit (extra all-zero filters whose outputs are ignored); FCONV "
              "kernels are at most 8 wide: this layer has 9x1; use a smaller kernel, or two "
              "stacked ones");
}

TEST(FirstConv, MultipleOfFourInputIsAGeneralConv) {
  ExpectOnNpu(Last(ConvModel({1, 4, 32, 1}, {8, 4, 3, 1})), K::kGeneralConv);
}

TEST(GeneralConv, PassesWithinLimits) {
  ExpectOnNpu(Last(SecondConv(8, {8, 8, 7, 1})), K::kGeneralConv);
  ExpectOnNpu(Last(SecondConv(8, {8, 8, 3, 3}, "strides = [2, 2]")), K::kGeneralConv);
  ExpectOnNpu(Last(SecondConv(8, {8, 8, 3, 1}, "strides = [2, 1]")), K::kGeneralConv);
}

TEST(GeneralConv, SixChannelsFailMultipleOfFour) {
  std::vector<LayerReport> r = Report(SecondConv(6, {8, 6, 3, 1}));
  ASSERT_EQ(r.size(), 2u);
  ExpectFails(r[0], K::kFirstConv, "output channels must be a multiple of 4: this layer has 6");
  ExpectFails(r[1], K::kGeneralConv,
              "GCONV (general convolution) input channels must be a multiple of 4: this layer has "
              "6; 8 would fit (zero-padded channels, the layer before producing them)");
  ExpectFails(Last(SecondConv(8, {6, 8, 3, 1})), K::kGeneralConv,
              "GCONV output channels must be a multiple of 4: this layer has 6; 8 would fit");
}

TEST(GeneralConv, UnsupportedStridesFail) {
  ExpectFails(Last(SecondConv(8, {8, 8, 3, 1}, "strides = [3, 1]")), K::kGeneralConv,
              "GCONV strides are (1,1), (2,1), (2,2): this layer has (3,1)");
  ExpectFails(Last(SecondConv(8, {8, 8, 3, 3}, "strides = [1, 2]")), K::kGeneralConv,
              "this layer has (1,2)");
}

TEST(GeneralConv, KernelAboveSevenFails) {
  ExpectFails(Last(SecondConv(8, {8, 8, 8, 1})), K::kGeneralConv,
              "GCONV kernels are at most 7 wide: this layer has 8x1");
}

TEST(GeneralConv, GroupedConvFails) {
  ExpectFails(Last(SecondConv(8, {8, 4, 3, 1}, "group = 2")), K::kGeneralConv,
              "runs on the NPU only as depthwise (groups = input channels): this layer has 2 "
              "groups over 8 input channels; use groups 1 or 8");
}

TEST(DepthwiseConv, KernelSevenPassesNineFails) {
  ExpectOnNpu(Last(SecondConv(8, {8, 1, 7, 1}, "group = 8")), K::kDepthwiseConv);
  ExpectFails(Last(SecondConv(8, {8, 1, 9, 1}, "group = 8")), K::kDepthwiseConv,
              "DWCONV (depthwise convolution) kernels are at most 7 wide: this layer has 9x1");
  ExpectFails(Last(SecondConv(8, {8, 1, 1, 9}, "group = 8")), K::kDepthwiseConv,
              "this layer has 1x9");
}

TEST(PointwiseConv, ChannelsMultipleOfFour) {
  ExpectOnNpu(Last(SecondConv(8, {16, 8, 1, 1})), K::kPointwiseConv);
  ExpectFails(Last(SecondConv(8, {6, 8, 1, 1})), K::kPointwiseConv,
              "PWCONV (1x1 convolution) output channels must be a multiple of 4: this layer has 6");
}

TEST(FullyConnected, MinimumInputFeaturesDependOnWeightBits) {
  const std::string fc8 = Model({1, 8}, {Init("w", {8, 4})}, "y = MatMul(x, w)", 2);
  ExpectFails(Last(fc8, kW8), K::kFullyConnected,
              "an FC (fully connected) layer reads at least 16 input features at 8-bit weights: "
              "this layer has 8; widen its input, or use 4-bit weights (at least 8)");
  ExpectOnNpu(Last(fc8, kW4), K::kFullyConnected);
  ExpectOnNpu(Last(fc8, BitWidths{2, 8}), K::kFullyConnected);
  ExpectFails(Last(Model({1, 7}, {Init("w", {7, 4})}, "y = MatMul(x, w)", 2), kW4),
              K::kFullyConnected, "at least 8 input features at 4-bit weights: this layer has 7");
  ExpectOnNpu(Last(Model({1, 16}, {Init("w", {16, 4})}, "y = MatMul(x, w)", 2)),
              K::kFullyConnected);
}

TEST(FullyConnected, GemmReadsTransB) {
  ExpectOnNpu(Last(Model({1, 16}, {Init("w", {4, 16})}, "y = Gemm<transB = 1>(x, w)", 2)),
              K::kFullyConnected);
  ExpectFails(Last(Model({1, 4}, {Init("w", {4, 16})}, "y = Gemm(x, w)", 2)), K::kFullyConnected,
              "this layer has 4");
}

TEST(FullyConnected, MatMulOfTwoActivationsIsNotAnNpuLayer) {
  std::string text =
      "<ir_version: 8, opset_import: [\"\" : 13]>\n"
      "m (float[1,16] x, float[16,4] z) => (float[a,b] y) { y = MatMul(x, z) }";
  ExpectFails(Last(text), K::kOther, "not a constant weight");
}

TEST(MaxPool, OneDimensionAtMostFour) {
  auto pool = [](absl::string_view k) {
    return Model({1, 8, 16, 16}, {}, absl::StrCat("y = MaxPool<kernel_shape = ", k, ">(x)"));
  };
  ExpectOnNpu(Last(pool("[4, 4]")), K::kMaxPool);
  ExpectOnNpu(Last(pool("[8, 1]")), K::kMaxPool);
  ExpectFails(Last(pool("[5, 5]")), K::kMaxPool,
              "MAXPOOL kernels are at most 4 in at least one dimension: this layer has 5x5");
}

TEST(AvgPool, NonGlobalFollowsDepthwiseLimits) {
  auto pool = [](absl::string_view k) {
    return Model({1, 8, 16, 1}, {}, absl::StrCat("y = AveragePool<kernel_shape = ", k, ">(x)"));
  };
  ExpectOnNpu(Last(pool("[7, 1]")), K::kAvgPool);
  ExpectFails(Last(pool("[9, 1]")), K::kAvgPool,
              "average pooling runs as a depthwise convolution (DWCONV), whose kernels are at "
              "most 7 wide: this layer has 9x1");
}

TEST(GlobalAvgPool, AreaMustExceedTwo) {
  ExpectFails(Last(Model({1, 8, 1, 2}, {}, "y = GlobalAveragePool(x)")), K::kGlobalAvgPool,
              "more than 2 input positions (H*W): this layer has 1x2");
  ExpectOnNpu(Last(Model({1, 8, 1, 3}, {}, "y = GlobalAveragePool(x)")), K::kGlobalAvgPool);
  // An unpadded AveragePool covering the whole input is global too.
  ExpectFails(Last(Model({1, 8, 1, 2}, {}, "y = AveragePool<kernel_shape = [1, 2]>(x)")),
              K::kGlobalAvgPool, "more than 2 input positions (H*W): this layer has 1x2");
}

TEST(GlobalAvgPool, TinpuReduceSumOverSpatialAxes) {
  const std::string spatial = "int64[2] ax = {2, 3}";
  const char* gap = "y = ReduceSum<keepdims = 0>(x, ax)";
  ExpectFails(Last(Model({1, 8, 1, 2}, {spatial}, gap, 2)), K::kGlobalAvgPool, "more than 2 input positions (H*W): this layer has 1x2");
  ExpectOnNpu(Last(Model({1, 8, 4, 1}, {spatial}, gap, 2)), K::kGlobalAvgPool);
  // Negative axes name the same dims.
  ExpectOnNpu(Last(Model({1, 8, 4, 1}, {"int64[2] ax = {-1, -2}"}, gap, 2)), K::kGlobalAvgPool);
  // A ReduceSum over channels is no pooling layer at all.
  EXPECT_TRUE(Report(Model({1, 8, 4, 1}, {"int64[1] ax = {1}"}, "y = ReduceSum(x, ax)")).empty());
}

TEST(TransposedConv, NotPlacedWithoutDocumentedConstraints) {
  ExpectFails(Last(Model({1, 8, 8, 1}, {Init("w", {8, 8, 2, 1})}, "y = ConvTranspose(x, w)")),
              K::kTransposedConv, "TCONV");
}

}  // namespace
}  // namespace quantc::tinpu
