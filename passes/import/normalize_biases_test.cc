#include "passes/import/normalize_biases.h"

#include "absl/strings/str_cat.h"
#include "passes/import/import_quantization.h"
#include "passes/import/test_util.h"
#include "passes/quant_roles.h"

namespace quantc {
namespace {

using import_test::Load;
using import_test::Outputs;
using import_test::RunPass;

std::string Model(const char* bias_decl, const char* bias_use, const char* x) {
  return absl::StrCat(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[1,2,1,1] x) => (float[1,2,1,1] y)
  <float s = {0.5}, int8 zp = {0}, int8[2,2,1,1] w = {1, 2, 3, 4}, float[2] ws = {0.25, 0.125},
   int8[2] wzp = {0, 0}, )",
                      bias_decl, R"(> {
  q = QuantizeLinear(x, s, zp)
  d = DequantizeLinear(q, s, zp)
  wd = DequantizeLinear<axis = 0>(w, ws, wzp)
  )",
                      bias_use, R"(
  y = Conv<kernel_shape = [1, 1]>()",
                      x, R"(, wd, bd)
})");
}

TEST(NormalizeBiases, AccumulatorScaleBiasUnchanged) {
  auto g = Load(Model("int32[2] b = {3, -5}, float[2] bs = {0.125, 0.0625}, int32[2] bzp = {0, 0}",
                      "bd = DequantizeLinear<axis = 0>(b, bs, bzp)", "d"));
  ASSERT_TRUE(ImportQuantizationPass().Run(*g).ok());
  NormalizeBiasesPass p;
  EXPECT_FALSE(RunPass(p, *g));
}

TEST(NormalizeBiases, FloatBiasBecomesInt32AtSxSw) {
  auto g = Load(Model("float[2] bd = {0.3, -0.2}", "", "d"));
  ASSERT_TRUE(ImportQuantizationPass().Run(*g).ok());
  std::vector<Diagnostic> log;
  NormalizeBiasesPass p(NormalizeBiasesOptions{&log});
  EXPECT_TRUE(RunPass(p, *g));
  const Value* b = DequantizedConstant(import_test::Find(*g, "Conv")->input(2));
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->quant()->kind, QuantTensorKind::kBias);
  EXPECT_EQ(b->quant()->scale, std::vector<float>({0.125f, 0.0625f}));
  EXPECT_EQ(b->initializer().GetAsDouble(0), 2);   // rne(0.3 / 0.125) = rne(2.4)
  EXPECT_EQ(b->initializer().GetAsDouble(1), -3);  // rne(-0.2 / 0.0625) = rne(-3.2)
  EXPECT_EQ(log.size(), 1u);
}

TEST(NormalizeBiases, MismatchedInt32ScaleIsRequantized) {
  auto g = Load(Model("int32[2] b = {3, -5}, float[2] bs = {0.25, 0.25}, int32[2] bzp = {0, 0}",
                      "bd = DequantizeLinear<axis = 0>(b, bs, bzp)", "d"));
  ASSERT_TRUE(ImportQuantizationPass().Run(*g).ok());
  Tensor x = Tensor::FromVector<float>({1, 2, 1, 1}, {1, -1});
  std::vector<Tensor> before = Outputs(*g, {x});
  NormalizeBiasesPass p;
  EXPECT_TRUE(RunPass(p, *g));
  const Value* b = DequantizedConstant(import_test::Find(*g, "Conv")->input(2));
  EXPECT_EQ(b->initializer().GetAsDouble(0), 6);    // 0.75 / 0.125
  EXPECT_EQ(b->initializer().GetAsDouble(1), -20);  // -1.25 / 0.0625
  EXPECT_EQ(import_test::MaxDiff(before, Outputs(*g, {x})), 0);
}

TEST(NormalizeBiases, FloatInputLayerKeepsItsFloatBias) {
  auto g = Load(Model("float[2] bd = {0.3, -0.2}", "", "x"));
  ASSERT_TRUE(ImportQuantizationPass().Run(*g).ok());
  NormalizeBiasesPass p;
  EXPECT_FALSE(RunPass(p, *g));
}

}  // namespace
}  // namespace quantc
