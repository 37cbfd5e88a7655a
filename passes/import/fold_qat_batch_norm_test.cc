#include "passes/import/fold_qat_batch_norm.h"

#include "absl/strings/str_cat.h"
#include "passes/import/import_quantization.h"
#include "passes/import/test_util.h"
#include "passes/quant_roles.h"

namespace quantc {
namespace {

using import_test::Count;
using import_test::Load;
using import_test::Outputs;
using import_test::RunPass;

// PyTorch's QAT ConvBn export: Conv with fake-quantized weights and a zero
// bias, Div by the BN scale gamma / sqrt(var + eps), Add of the conv bias,
// then the BatchNormalization itself. factor = gamma / sqrt(var + eps):
// channel 0: 2 / sqrt(4 + 1e-5), channel 1: 0.5 / sqrt(0.25 + 1e-5).
std::string Model(const char* div) {
  return absl::StrCat(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[1,2,3,3] x) => (float[1,2,3,3] y)
  <float s = {0.05}, uint8 zp = {0}, int8[2,2,1,1] w = {10, -20, 30, -40}, float[2] ws = {0.0078125, 0.015625},
   int8[2] wzp = {0, 0}, float[2] zero = {0, 0}, float[1,2,1,1] f = {)",
                      div, R"(},
   float[1,2,1,1] cb = {0.1, -0.2}, float[2] gamma = {2, 0.5}, float[2] beta = {0.3, 0.4},
   float[2] mean = {0.05, -0.1}, float[2] var = {4, 0.25}> {
  q = QuantizeLinear(x, s, zp)
  d = DequantizeLinear(q, s, zp)
  wd = DequantizeLinear<axis = 0>(w, ws, wzp)
  c = Conv<kernel_shape = [1, 1]>(d, wd, zero)
  a = Div(c, f)
  b = Add(a, cb)
  n = BatchNormalization(b, gamma, beta, mean, var)
  y = Relu(n)
})");
}

TEST(FoldQatBatchNorm, ConvWithoutChainUnchanged) {
  auto g = Load(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[1,2,3,3] x) => (float[1,2,3,3] y)
  <float s = {0.05}, uint8 zp = {0}, int8[2,2,1,1] w = {1, 2, 3, 4}, float[2] ws = {0.1, 0.2}, int8[2] wzp = {0, 0}> {
  q = QuantizeLinear(x, s, zp)
  d = DequantizeLinear(q, s, zp)
  wd = DequantizeLinear<axis = 0>(w, ws, wzp)
  c = Conv<kernel_shape = [1, 1]>(d, wd)
  y = Relu(c)
})");
  ASSERT_TRUE(ImportQuantizationPass().Run(*g).ok());
  FoldQatBatchNormPass p;
  EXPECT_FALSE(RunPass(p, *g));
}

TEST(FoldQatBatchNorm, FoldsIntoScalesAndBiasKeepingIntegers) {
  // f = gamma / sqrt(var + eps) exactly as the exporter computes it.
  auto g = Load(Model("0.99999875, 0.99998"));
  ASSERT_TRUE(ImportQuantizationPass().Run(*g).ok());
  Tensor x = import_test::RandomInput({1, 2, 3, 3}, 0, 5, 3);
  std::vector<Tensor> before = Outputs(*g, {x});
  FoldQatBatchNormPass p;
  EXPECT_TRUE(RunPass(p, *g));
  EXPECT_EQ(Count(*g, "BatchNormalization") + Count(*g, "Div") + Count(*g, "Add"), 0);
  const Node* conv = import_test::Find(*g, "Conv");
  const Value* w = DequantizedConstant(conv->input(1));
  ASSERT_NE(w, nullptr);
  // k = 1 / f * gamma / sqrt(var + eps) = 1 (to float rounding): the
  // imported power-of-two scales and integers stay exactly as they were.
  EXPECT_EQ(w->quant()->scale, std::vector<float>({0.0078125f, 0.015625f}));
  EXPECT_EQ(w->initializer().GetAsDouble(3), -40);
  std::vector<Tensor> after = Outputs(*g, {x});
  EXPECT_LT(import_test::MaxDiff(before, after), 1e-4);
}

TEST(FoldQatBatchNorm, NonUnitFactorMovesTheWeightScale) {
  auto g = Load(Model("0.5, 4"));
  ASSERT_TRUE(ImportQuantizationPass().Run(*g).ok());
  Tensor x = import_test::RandomInput({1, 2, 3, 3}, 0, 5, 4);
  std::vector<Tensor> before = Outputs(*g, {x});
  FoldQatBatchNormPass p;
  EXPECT_TRUE(RunPass(p, *g));
  const Value* w = DequantizedConstant(import_test::Find(*g, "Conv")->input(1));
  EXPECT_NEAR(w->quant()->scale[0], 0.0078125 / 0.5 * 2 / std::sqrt(4 + 1e-5), 1e-9);
  std::vector<Tensor> after = Outputs(*g, {x});
  EXPECT_LT(import_test::MaxDiff(before, after), 1e-4);
}

}  // namespace
}  // namespace quantc
