#include "quant/x86_saturation.h"

#include "gtest/gtest.h"
#include "ir/onnx_import.h"

namespace quantc {
namespace {

// A Gemm whose int8 weight rows are given; transB=1 so rows are channels.
std::unique_ptr<Graph> GemmWith(const char* weights, int transB) {
  std::string text = std::string(R"(
<ir_version: 8, opset_import: ["" : 13]>
g (float[1,4] x) => (float[1,2] y) <int8[2,4] wq = )") + weights + R"(, float ws = {0.1}, int8 wz = {0}> {
  w = DequantizeLinear(wq, ws, wz)
  y = Gemm<transB = )" + std::to_string(transB) + R"(>(x, w)
}
)";
  auto g = ImportModelText(text);
  EXPECT_TRUE(g.ok()) << g.status();
  return g.ok() ? *std::move(g) : nullptr;
}

TEST(X86Saturation, SafeWeightsGiveNoRisk) {
  auto g = GemmWith("{63, 63, -63, 63, 127, 1, -1, 127}", 1);
  EXPECT_TRUE(FindX86SaturationRisks(*g).empty());
}

TEST(X86Saturation, CountsSameSignEvenPairsOverTheLimit) {
  // transB=1, so rows are channels. Row 0: (127, -127) cancels, (-2, -127)
  // sums to 129. Row 1: (100, 28) = 128 is safe; the odd pair (28, 120) is
  // not one ORT forms.
  auto g = GemmWith("{127, -127, -2, -127, 100, 28, 120, 0}", 1);
  auto risks = FindX86SaturationRisks(*g);
  ASSERT_EQ(risks.size(), 1u);
  EXPECT_EQ(risks[0].risky_pairs, 1);
  EXPECT_EQ(risks[0].max_pair_sum, 129);
}

TEST(X86Saturation, KMajorWeightsPairAlongColumns) {
  // transB=0: B is [K=2, N=4] and each column is a channel, so the pairs
  // run down columns: 127 + 2 = 129 in column 0, 100 + 28 = 128 in column 1.
  auto text = R"(
<ir_version: 8, opset_import: ["" : 13]>
g (float[1,2] x) => (float[1,4] y) <int8[2,4] wq = {127, 100, 0, 0, 2, 28, 0, 0}, float ws = {0.1}, int8 wz = {0}> {
  w = DequantizeLinear(wq, ws, wz)
  y = Gemm(x, w)
}
)";
  auto imported = ImportModelText(text);
  ASSERT_TRUE(imported.ok()) << imported.status();
  auto risks = FindX86SaturationRisks(**imported);
  ASSERT_EQ(risks.size(), 1u);
  EXPECT_EQ(risks[0].risky_pairs, 1);  // 100 + 28 = 128 is still safe
  EXPECT_EQ(risks[0].max_pair_sum, 129);
}

}  // namespace
}  // namespace quantc
