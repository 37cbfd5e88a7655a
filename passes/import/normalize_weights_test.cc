#include "passes/import/normalize_weights.h"

#include "absl/strings/str_cat.h"
#include "passes/import/import_quantization.h"
#include "passes/import/test_util.h"
#include "passes/quant_roles.h"

namespace quantc {
namespace {

using import_test::Load;
using import_test::Outputs;
using import_test::RunPass;

std::string Model(const char* wtype, const char* w, const char* ws, const char* wzp,
                  const char* axis) {
  return absl::StrCat(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[1,2,1,1] x) => (float[1,2,1,1] y)
  <float s = {0.5}, int8 zp = {0}, )",
                      wtype, R"([2,2,1,1] w = {)", w, "}, ", ws, ", ", wzp,
                      R"(> {
  q = QuantizeLinear(x, s, zp)
  d = DequantizeLinear(q, s, zp)
  wd = DequantizeLinear)",
                      axis, R"((w, ws, wzp)
  y = Conv<kernel_shape = [1, 1]>(d, wd)
})");
}

const Value* Weight(const Graph& g) {
  return DequantizedConstant(import_test::Find(g, "Conv")->input(1));
}

TEST(NormalizeWeights, PerChannelSymmetricInt8Unchanged) {
  auto g = Load(Model("int8", "1, 2, 3, 4", "float[2] ws = {0.1, 0.2}", "int8[2] wzp = {0, 0}",
                      "<axis = 0>"));
  ASSERT_TRUE(ImportQuantizationPass().Run(*g).ok());
  NormalizeWeightsPass p;
  EXPECT_FALSE(RunPass(p, *g));
}

TEST(NormalizeWeights, PerTensorUint8BecomesPerChannelInt8Exactly) {
  auto g = Load(Model("uint8", "129, 126, 255, 1", "float ws = {0.1}", "uint8 wzp = {128}", ""));
  ASSERT_TRUE(ImportQuantizationPass().Run(*g).ok());
  Tensor x = Tensor::FromVector<float>({1, 2, 1, 1}, {1.5f, -2});
  std::vector<Tensor> before = Outputs(*g, {x});
  NormalizeWeightsPass p;
  EXPECT_TRUE(RunPass(p, *g));
  const Value* w = Weight(*g);
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->initializer().dtype(), DType::kInt8);
  EXPECT_EQ(w->quant()->scale, std::vector<float>({0.1f, 0.1f}));
  EXPECT_EQ(w->quant()->axis, std::optional<int64_t>(0));
  EXPECT_EQ(w->initializer().GetAsDouble(2), 127);
  EXPECT_EQ(w->initializer().GetAsDouble(3), -127);
  EXPECT_EQ(import_test::MaxDiff(before, Outputs(*g, {x})), 0);
}

TEST(NormalizeWeights, OffCentreAsymmetricWeightsAreRequantizedWithAWarning) {
  // zero point 0 on uint8: q - 0 = 255 does not fit int8.
  auto g = Load(Model("uint8", "0, 255, 10, 20", "float[2] ws = {0.01, 0.02}",
                      "uint8[2] wzp = {0, 0}", "<axis = 0>"));
  ASSERT_TRUE(ImportQuantizationPass().Run(*g).ok());
  std::vector<Diagnostic> log;
  NormalizeWeightsPass p(NormalizeWeightsOptions{&log});
  EXPECT_TRUE(RunPass(p, *g));
  const Value* w = Weight(*g);
  EXPECT_FLOAT_EQ(w->quant()->scale[0], 2.55f / 127);  // max |real| / 127
  EXPECT_EQ(w->initializer().GetAsDouble(1), 127);
  EXPECT_EQ(w->quant()->scale[1], 0.02f);  // 10 and 20 fit: kept
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].severity, Diagnostic::Severity::kWarning);
}

}  // namespace
}  // namespace quantc
