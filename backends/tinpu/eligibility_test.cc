// Tests for the eligibility walk and its JSON/text rendering: layer order,
// which conv counts as first, unnamed nodes, QDQ and 1-D forms. The per-layer
// constraints are covered by npu_constraints_test.cc.
#include "backends/tinpu/eligibility.h"

#include <memory>
#include <string>
#include <vector>

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

std::vector<LayerReport> Report(const std::string& text, const BitWidths& bits = kW8) {
  std::unique_ptr<Graph> g = Import(text);
  return g ? NpuEligibility(*g, bits) : std::vector<LayerReport>{};
}

// conv (FCONV) -> relu -> conv (GCONV) -> maxpool -> flatten -> matmul (FC).
const std::string& SmallCnn() {
  static const std::string* text = new std::string(Model(
      {1, 1, 32, 1}, {Init("w1", {8, 1, 5, 1}), Init("w2", {8, 8, 3, 1}), Init("wf", {112, 4})},
      "h1 = Conv(x, w1)\n r1 = Relu(h1)\n h2 = Conv(r1, w2)\n"
      " p = MaxPool<kernel_shape = [2, 1], strides = [2, 1]>(h2)\n f = Flatten(p)\n"
      " y = MatMul(f, wf)",
      2));
  return *text;
}

TEST(NpuEligibility, WalksComputeLayersInGraphOrder) {
  std::vector<LayerReport> r = Report(SmallCnn());
  ASSERT_EQ(r.size(), 4u);
  // Unnamed nodes (ONNX text has no node names) are reported by output name.
  EXPECT_EQ(r[0].node, "h1");
  EXPECT_EQ(r[1].node, "h2");
  EXPECT_EQ(r[2].node, "p");
  EXPECT_EQ(r[3].node, "y");
  EXPECT_EQ(r[0].op, "Conv");
  EXPECT_EQ(r[2].op, "MaxPool");
  EXPECT_EQ(r[3].op, "MatMul");
  EXPECT_EQ(r[0].kind, K::kFirstConv);
  EXPECT_EQ(r[1].kind, K::kGeneralConv);
  EXPECT_EQ(r[2].kind, K::kMaxPool);
  EXPECT_EQ(r[3].kind, K::kFullyConnected);
  for (const LayerReport& l : r) EXPECT_TRUE(l.on_npu) << l.node << ": " << l.failed_constraint;
}

TEST(NpuEligibility, OnlyTheFirstConvIsCheckedAsFconv) {
  std::vector<LayerReport> r =
      Report(Model({1, 2, 32, 1}, {Init("w1", {2, 2, 3, 1}), Init("w2", {4, 2, 3, 1})},
                   "h = Conv(x, w1)\n y = Conv(h, w2)"));
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].kind, K::kFirstConv);
  EXPECT_THAT(r[0].failed_constraint, HasSubstr("reads 1 input channel: this layer has 2"));
  EXPECT_EQ(r[1].kind, K::kGeneralConv);
  EXPECT_THAT(r[1].failed_constraint,
              HasSubstr("input channels must be a multiple of 4: this layer has 2"));
}

TEST(NpuEligibility, ReadsWeightShapesThroughDequantizeLinear) {
  std::vector<LayerReport> r = Report(Model(
      {1, 1, 32, 1}, {Init("wq", {8, 1, 9, 1}, "int8"), Init("sc", {8}), Init("zp", {8}, "int8")},
      "w = DequantizeLinear<axis = 0>(wq, sc, zp)\n y = Conv(x, w)"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, K::kFirstConv);
  EXPECT_EQ(r[0].failed_constraint, "FCONV kernels are at most 8 wide: this layer has 9x1; use a smaller kernel, or two stacked ones");
}

TEST(NpuEligibility, OneDimensionalConvReadsKernelAsKx1) {
  std::vector<LayerReport> r = Report(ConvModel({1, 1, 32}, {8, 1, 9}));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].failed_constraint, "FCONV kernels are at most 8 wide: this layer has 9x1; use a smaller kernel, or two stacked ones");
}

TEST(NpuEligibility, GraphWithoutLayersGivesEmptyReport) {
  std::vector<LayerReport> r = Report(Model({1, 8}, {}, "y = Relu(x)", 2));
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(EligibilityToJson(r, kW8),
            R"({"weight_bits":8,"activation_bits":8,"layers_on_npu":0,"layers":[]})");
  EXPECT_THAT(EligibilityToText(r, kW8), HasSubstr("0 of 0 layers"));
}

TEST(EligibilityToJson, ListsEveryLayerInOrder) {
  std::vector<LayerReport> r =
      Report(Model({1, 1, 32, 1}, {Init("w1", {8, 1, 5, 1}), Init("w2", {8, 8, 3, 1})},
                   "h = Conv(x, w1)\n y = Conv<strides = [3, 1]>(h, w2)"));
  EXPECT_EQ(EligibilityToJson(r, BitWidths{4, 8}),
            R"j({"weight_bits":4,"activation_bits":8,"layers_on_npu":1,"layers":[)j"
            R"j({"node":"h","op":"Conv","kind":"FCONV","on_npu":true,"failed_constraint":""},)j"
            R"j({"node":"y","op":"Conv","kind":"GCONV","on_npu":false,)j"
            R"j("failed_constraint":"GCONV strides are (1,1), (2,1), (2,2): this layer has (3,1)"}]})j");
}

TEST(EligibilityToJson, EscapesNames) {
  std::vector<LayerReport> r = {{"a\"b\\c\n\x01", "Conv", K::kOther, false, "x"}};
  EXPECT_THAT(EligibilityToJson(r, kW8), HasSubstr(R"("node":"a\"b\\c\n\u0001")"));
}

TEST(EligibilityToText, OneLinePerLayerWithReason) {
  std::vector<LayerReport> r =
      Report(Model({1, 1, 32, 1}, {Init("w1", {8, 1, 5, 1}), Init("w2", {8, 8, 3, 1})},
                   "h = Conv(x, w1)\n y = Conv<strides = [3, 1]>(h, w2)"));
  EXPECT_EQ(EligibilityToText(r, kW8),
            "TINPU NPU eligibility (w8/a8): 1 of 2 layers on the NPU\n"
            "  h     Conv  FCONV    NPU\n"
            "  y     Conv  GCONV    CPU  GCONV strides are (1,1), (2,1), (2,2): this layer has (3,1)\n");
}

}  // namespace
}  // namespace quantc::tinpu
