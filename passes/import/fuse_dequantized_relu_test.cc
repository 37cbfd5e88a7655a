#include "passes/import/fuse_dequantized_relu.h"

#include "absl/strings/str_cat.h"
#include "passes/import/import_quantization.h"
#include "passes/import/test_util.h"

namespace quantc {
namespace {

using import_test::Count;
using import_test::Load;
using import_test::Outputs;
using import_test::RunPass;

// TI's GENERIC convention: Conv -> Q (quint8, zero point 127) -> DQ -> Relu
// -> Q (second parameters) -> DQ.
std::string Model(const char* producer, const char* s2, const char* zp2) {
  return absl::StrCat(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[1,1,2,2] x) => (float[1,1,2,2] y)
  <float s = {0.25}, uint8 zp = {127}, float s2 = {)",
                      s2, R"(}, uint8 zp2 = {)", zp2, R"(},
   int8[1,1,1,1] w = {64}, float[1] ws = {0.03125}, int8[1] wzp = {0}> {
  xq = QuantizeLinear(x, s, zp)
  xd = DequantizeLinear(xq, s, zp)
  wd = DequantizeLinear<axis = 0>(w, ws, wzp)
  c = )",
                      producer, R"(
  cq = QuantizeLinear(c, s, zp)
  cd = DequantizeLinear(cq, s, zp)
  r = Relu(cd)
  rq = QuantizeLinear(r, s2, zp2)
  y = DequantizeLinear(rq, s2, zp2)
})");
}

TEST(FuseDequantizedRelu, ReluAfterANonFusableProducerStays) {
  auto g = Load(Model("MaxPool<kernel_shape = [1, 1]>(xd)", "0.25", "0"));
  ASSERT_TRUE(ImportQuantizationPass().Run(*g).ok());
  FuseDequantizedReluPass p;
  EXPECT_FALSE(RunPass(p, *g));
}

TEST(FuseDequantizedRelu, SameScaleFusesExactly) {
  // Unsigned second quantization (zero point 0) at the same scale: Q2 could
  // hold up to 63.75 but Q1 clips at (255 - 127) * 0.25 = 32: a Clip keeps it.
  auto g = Load(Model("Conv<kernel_shape = [1, 1]>(xd, wd)", "0.25", "0"));
  ASSERT_TRUE(ImportQuantizationPass().Run(*g).ok());
  Tensor x = Tensor::FromVector<float>({1, 1, 2, 2}, {-10, 3.3f, 20, 31.9f});
  std::vector<Tensor> before = Outputs(*g, {x});
  std::vector<Diagnostic> log;
  FuseDequantizedReluPass p(FuseDequantizedReluOptions{&log});
  EXPECT_TRUE(RunPass(p, *g));
  EXPECT_EQ(Count(*g, "QuantizeLinear"), 2);
  const Node* clip = import_test::Find(*g, "Clip");
  ASSERT_NE(clip, nullptr);
  EXPECT_EQ(clip->input(0)->producer()->op_type(), "Conv");
  EXPECT_EQ(clip->input(2)->initializer().GetAsDouble(0), 32);
  EXPECT_TRUE(log.empty());
  // A larger input shows the clip: 40 * 64 * 0.03125 = 80 > 32.
  for (const Tensor& in : {x, Tensor::FromVector<float>({1, 1, 2, 2}, {40, -40, 0.1f, 15})}) {
    auto g2 = Load(Model("Conv<kernel_shape = [1, 1]>(xd, wd)", "0.25", "0"));
    EXPECT_EQ(import_test::MaxDiff(Outputs(*g2, {in}), Outputs(*g, {in})), 0);
  }
}

TEST(FuseDequantizedRelu, DifferentScaleFusesWithANote) {
  auto g = Load(Model("Conv<kernel_shape = [1, 1]>(xd, wd)", "0.125", "0"));
  ASSERT_TRUE(ImportQuantizationPass().Run(*g).ok());
  std::vector<Diagnostic> log;
  FuseDequantizedReluPass p(FuseDequantizedReluOptions{&log});
  EXPECT_TRUE(RunPass(p, *g));
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].severity, Diagnostic::Severity::kNote);
  // Q2's range (31.875) is below Q1's clip (32): a plain Relu.
  EXPECT_NE(import_test::Find(*g, "Relu"), nullptr);
}

}  // namespace
}  // namespace quantc
