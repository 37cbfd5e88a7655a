#include "passes/import/normalize_integer_ops.h"

#include "gmock/gmock.h"
#include "passes/import/test_util.h"

namespace quantc {
namespace {

using import_test::Count;
using import_test::Load;
using import_test::Outputs;
using import_test::RunPass;
using ::testing::HasSubstr;

// MatMulInteger + per-column DequantizeLinear of the int32 accumulator + a
// float bias, and ConvInteger + Cast + Mul by the scale + Relu.
constexpr char kModel[] = R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[1,3] x, float[1,2,3,3] z) => (float[1,2] y, float[1,1,3,3] v)
  <float s = {0.05}, uint8 zp = {7}, int8[3,2] w = {1, -2, 3, 4, -5, 6}, int8[2] wzp = {0, 0},
   float[2] acc_s = {0.005, 0.0025}, int32[2] acc_zp = {0, 0}, float[2] bias = {0.25, -0.5},
   uint8[1,2,1,1] cw = {130, 120}, uint8 cwzp = {128}, float[1,1,1,1] cs = {0.01}> {
  q = QuantizeLinear(x, s, zp)
  acc = MatMulInteger(q, w, zp, wzp)
  d = DequantizeLinear<axis = 1>(acc, acc_s, acc_zp)
  y = Add(d, bias)
  zq = QuantizeLinear(z, s, zp)
  cacc = ConvInteger(zq, cw, zp, cwzp)
  f = Cast<to = 1>(cacc)
  v0 = Mul(f, cs)
  v = Relu(v0)
})";

TEST(NormalizeIntegerOps, NoIntegerOpsNoChange) {
  auto g = Load(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[4] x) => (float[4] y) { y = Relu(x) })");
  NormalizeIntegerOpsPass p;
  EXPECT_FALSE(RunPass(p, *g));
}

TEST(NormalizeIntegerOps, IntegerOpsBecomeLayersOnDequantizedOperands) {
  auto g = Load(kModel);
  std::vector<Tensor> in = {import_test::RandomInput({1, 3}, -0.3f, 10, 1),
                            import_test::RandomInput({1, 2, 3, 3}, -0.3f, 10, 2)};
  std::vector<Tensor> before = Outputs(*g, in);
  NormalizeIntegerOpsPass p;
  EXPECT_TRUE(RunPass(p, *g));
  EXPECT_EQ(Count(*g, "MatMulInteger") + Count(*g, "ConvInteger") + Count(*g, "Cast"), 0);
  // The float bias after the dequantization became Gemm's C.
  const Node* gemm = import_test::Find(*g, "Gemm");
  ASSERT_NE(gemm, nullptr);
  EXPECT_TRUE(gemm->input(2)->is_initializer());
  // The weight scale is the accumulator's divided by the input's.
  const Node* wdq = gemm->input(1)->producer();
  EXPECT_FLOAT_EQ(wdq->input(1)->initializer().data<float>()[1], 0.0025f / 0.05f);
  EXPECT_EQ(wdq->GetInt("axis", -1), 1);
  // uint8 ConvInteger weights keep their zero point 128 in the DequantizeLinear.
  const Node* conv = import_test::Find(*g, "Conv");
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(conv->input(1)->producer()->input(2)->initializer().GetAsDouble(0), 128);
  std::vector<Tensor> after = Outputs(*g, in);
  ASSERT_EQ(after.size(), 2u);
  for (size_t k = 0; k < 2; ++k) {
    for (int64_t i = 0; i < before[k].num_elements(); ++i) {
      EXPECT_NEAR(after[k].GetAsDouble(i), before[k].GetAsDouble(i), 1e-5) << k << " " << i;
    }
  }
}

TEST(NormalizeIntegerOps, DynamicQuantizationIsUnimplemented) {
  auto g = Load(R"(<ir_version: 8, opset_import: ["" : 13]>
m (uint8[1,3] a) => (float[1,2] y)
  <int8[3,2] w = {1, -2, 3, 4, -5, 6}, float[2] acc_s = {0.5, 0.25}, int32[2] acc_zp = {0, 0}> {
  acc = MatMulInteger(a, w)
  y = DequantizeLinear<axis = 1>(acc, acc_s, acc_zp)
})");
  auto r = NormalizeIntegerOpsPass().Run(*g);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(r.status().message(), HasSubstr("dynamic quantization"));
}

}  // namespace
}  // namespace quantc
