// Tests for the TINPU target table: integer ranges, OSS field limits, bit
// width validation, the op vocabulary (with its per-node conditions) and the
// NPU layer numbers, each against tinpu-format.md.
#include "backends/tinpu/target.h"

#include <memory>
#include <set>
#include <string>

#include "backends/tinpu/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace quantc::tinpu {
namespace {

using testing::FindOp;
using ::testing::HasSubstr;
using testing::Import;
using testing::Init;
using testing::Model;

TEST(Ranges, ActivationWeightAndResidualRanges) {
  EXPECT_EQ(UnsignedRange(8), (ClipRange{0, 255}));
  EXPECT_EQ(UnsignedRange(4), (ClipRange{0, 15}));
  EXPECT_EQ(UnsignedRange(2), (ClipRange{0, 3}));
  EXPECT_EQ(SignedRange(8), (ClipRange{-128, 127}));
  EXPECT_EQ(SignedRange(4), (ClipRange{-8, 7}));
  EXPECT_EQ(SignedRange(2), (ClipRange{-2, 1}));
  EXPECT_EQ(ResidualRange(), (ClipRange{-512, 511}));
  EXPECT_EQ(TiCompatConvRange(8), (ClipRange{-255, 255}));
  EXPECT_EQ(TiCompatConvRange(4), (ClipRange{-15, 15}));
  EXPECT_EQ(WeightMax(8), 127);
  EXPECT_EQ(WeightMax(4), 7);
  EXPECT_EQ(WeightMax(2), 1);
}

TEST(Limits, OffsetAndMultiplierFieldsPerWeightWidth) {
  OssLimits w8 = LimitsFor(8);
  EXPECT_EQ(w8.multiplier_bits, 1);
  EXPECT_EQ(w8.shift_max, 31);
  EXPECT_EQ(w8.offset_min, -8388608);  // int24
  EXPECT_EQ(w8.offset_max, 8388607);
  for (int bits : {4, 2}) {
    OssLimits l = LimitsFor(bits);
    EXPECT_EQ(l.multiplier_bits, 8) << bits;
    EXPECT_EQ(l.shift_max, 31) << bits;
    EXPECT_EQ(l.offset_min, -32768) << bits;  // int16
    EXPECT_EQ(l.offset_max, 32767) << bits;
  }
  EXPECT_EQ((1 << kShiftBits) - 1, 31);
}

TEST(Limits, ValidateBitWidths) {
  EXPECT_TRUE(ValidateBitWidths({8, 8}).ok());
  EXPECT_TRUE(ValidateBitWidths({4, 8}).ok());
  EXPECT_TRUE(ValidateBitWidths({2, 4}).ok());
  absl::Status st = ValidateBitWidths({3, 8});
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("weight bits 3"));
  EXPECT_FALSE(ValidateBitWidths({8, 16}).ok());
}

TEST(OpVocabulary, AllowsTheTinpuOps) {
  for (const char* op :
       {"Conv", "ConvTranspose", "MatMul", "Gemm", "Add", "Mul", "Floor", "Clip", "Relu", "Round",
        "ReduceSum", "AveragePool", "MaxPool", "Flatten", "Transpose", "Reshape", "Pad", "Concat",
        "Slice"}) {
    EXPECT_TRUE(IsAllowedOp(op)) << op;
  }
}

TEST(OpVocabulary, RejectsKnownAndUnknownOthers) {
  for (const char* op : {"Sub", "Identity", "BatchNormalization", "GlobalAveragePool", "Div",
                         "QuantizeLinear", "DequantizeLinear", "Sigmoid", "Softmax", ""}) {
    EXPECT_FALSE(IsAllowedOp(op)) << op;
  }
  ASSERT_NE(FindOpRule("Sub"), nullptr);
  EXPECT_THAT(FindOpRule("Sub")->why, HasSubstr("§4.7.3"));
  EXPECT_EQ(FindOpRule("Sigmoid"), nullptr);
}

TEST(OpVocabulary, EveryRowIsUniqueAndExplained) {
  std::set<std::string> seen;
  for (const OpRule& r : OpRules()) {
    EXPECT_TRUE(seen.insert(r.op).second) << "duplicate row " << r.op;
    EXPECT_STRNE(r.why, "") << r.op;
  }
}

// The verdict of IsAllowedNode on the first `op` node of `text`.
bool AllowedNode(const std::string& text, const char* op, std::string* why) {
  std::unique_ptr<Graph> g = Import(text);
  const Node* n = g ? FindOp(*g, op) : nullptr;
  EXPECT_NE(n, nullptr) << text;
  return n != nullptr && IsAllowedNode(*n, why);
}

TEST(OpVocabulary, PadMustBeConstantZero) {
  const std::string pads = Init("pads", {8}, "int64");
  std::string why;
  EXPECT_TRUE(AllowedNode(Model({1, 8, 4, 4}, {pads}, "y = Pad(x, pads)"), "Pad", &why)) << why;
  EXPECT_TRUE(AllowedNode(Model({1, 8, 4, 4}, {pads, "float v = {0.0}"}, "y = Pad(x, pads, v)"),
                          "Pad", &why))
      << why;
  EXPECT_FALSE(AllowedNode(Model({1, 8, 4, 4}, {pads, "float v = {1.0}"}, "y = Pad(x, pads, v)"),
                           "Pad", &why));
  EXPECT_THAT(why, HasSubstr("pad value"));
  EXPECT_FALSE(AllowedNode(Model({1, 8, 4, 4}, {pads}, "y = Pad<mode = \"reflect\">(x, pads)"),
                           "Pad", &why));
  EXPECT_THAT(why, HasSubstr("constant"));
}

TEST(OpVocabulary, ReshapeNeedsAConstantShape) {
  std::string why;
  EXPECT_TRUE(AllowedNode(Model({1, 8, 4, 1}, {"int64[2] s = {1, 32}"}, "y = Reshape(x, s)", 2),
                          "Reshape", &why))
      << why;
  EXPECT_FALSE(
      AllowedNode(Model({1, 8, 4, 1}, {}, "s = Shape(x)\n y = Reshape(x, s)"), "Reshape", &why));
  EXPECT_THAT(why, HasSubstr("constant"));
}

TEST(OpVocabulary, SliceNeedsConstantBounds) {
  std::string why;
  const std::string bounds = "int64[1] s = {0}, int64[1] e = {4}, int64[1] a = {1}";
  EXPECT_TRUE(AllowedNode(Model({1, 8, 4, 1}, {bounds}, "y = Slice(x, s, e, a)", 4), "Slice", &why))
      << why;
  EXPECT_FALSE(AllowedNode(
      Model({1, 8, 4, 1}, {"int64[1] s = {0}, int64[1] a = {1}"},
            "sh = Shape(x)\n e = Gather(sh, a)\n y = Slice(x, s, e, a)", 4),
      "Slice", &why));
  EXPECT_THAT(why, HasSubstr("constants"));
}

TEST(OpVocabulary, NodeOutsideTheVocabularyIsNamed) {
  std::string why;
  EXPECT_FALSE(AllowedNode(Model({1, 8}, {}, "y = Sigmoid(x)", 2), "Sigmoid", &why));
  EXPECT_EQ(why, "Sigmoid: not in the TINPU op vocabulary");
  EXPECT_FALSE(AllowedNode(Model({1, 8}, {"float[1,8] z = {0,0,0,0,0,0,0,0}"}, "y = Sub(x, z)", 2),
                           "Sub", &why));
  EXPECT_THAT(why, HasSubstr("not NPU-legal"));
  EXPECT_TRUE(AllowedNode(Model({1, 8}, {}, "y = Relu(x)", 2), "Relu", nullptr));
}

TEST(NpuRules, MatchTheLayerTable) {
  const NpuLayerRules& r = NpuRules();
  EXPECT_EQ(r.channel_multiple, 4);
  EXPECT_EQ(r.fconv_in_channels, 1);
  EXPECT_EQ(r.fconv_max_kernel, 8);
  EXPECT_EQ(r.gconv_max_kernel, 7);
  EXPECT_EQ(r.dwconv_max_kernel, 7);
  EXPECT_THAT(r.gconv_strides, ::testing::ElementsAre(std::pair<int64_t, int64_t>{1, 1},
                                                      std::pair<int64_t, int64_t>{2, 1},
                                                      std::pair<int64_t, int64_t>{2, 2}));
  EXPECT_EQ(r.fc_min_inputs_w8, 16);
  EXPECT_EQ(r.fc_min_inputs_low, 8);
  EXPECT_EQ(r.maxpool_max_kernel, 4);
  EXPECT_EQ(r.gap_min_area, 2);
}

TEST(NpuRules, KindNames) {
  EXPECT_STREQ(NpuLayerKindName(NpuLayerKind::kFirstConv), "FCONV");
  EXPECT_STREQ(NpuLayerKindName(NpuLayerKind::kGeneralConv), "GCONV");
  EXPECT_STREQ(NpuLayerKindName(NpuLayerKind::kDepthwiseConv), "DWCONV");
  EXPECT_STREQ(NpuLayerKindName(NpuLayerKind::kPointwiseConv), "PWCONV");
  EXPECT_STREQ(NpuLayerKindName(NpuLayerKind::kTransposedConv), "TCONV");
  EXPECT_STREQ(NpuLayerKindName(NpuLayerKind::kFullyConnected), "FC");
  EXPECT_STREQ(NpuLayerKindName(NpuLayerKind::kMaxPool), "MAXPOOL");
  EXPECT_STREQ(NpuLayerKindName(NpuLayerKind::kAvgPool), "AVGPOOL");
  EXPECT_STREQ(NpuLayerKindName(NpuLayerKind::kGlobalAvgPool), "GAP");
  EXPECT_STREQ(NpuLayerKindName(NpuLayerKind::kOther), "OTHER");
}

TEST(CheckNpuLayer, NonLayerNodesAreOther) {
  std::unique_ptr<Graph> g = Import(Model({1, 8}, {}, "y = Relu(x)", 2));
  ASSERT_NE(g, nullptr);
  const Node* relu = FindOp(*g, "Relu");
  EXPECT_FALSE(IsNpuLayerCandidate(*relu));
  LayerFit fit = CheckNpuLayer(*relu, false, BitWidths{});
  EXPECT_EQ(fit.kind, NpuLayerKind::kOther);
  EXPECT_FALSE(fit.on_npu);
  EXPECT_EQ(fit.failed_constraint, "Relu is not an NPU layer");
}

TEST(CheckNpuLayer, ThreeDimensionalConvIsNotAnNpuLayer) {
  std::unique_ptr<Graph> g =
      Import(Model({1, 1, 4, 4, 4}, {Init("w", {4, 1, 3, 3, 3})}, "y = Conv(x, w)", 5));
  ASSERT_NE(g, nullptr);
  LayerFit fit = CheckNpuLayer(*FindOp(*g, "Conv"), true, BitWidths{});
  EXPECT_EQ(fit.kind, NpuLayerKind::kOther);
  EXPECT_THAT(fit.failed_constraint, HasSubstr("2-D"));
}

}  // namespace
}  // namespace quantc::tinpu
