#include "passes/import/normalize_qlinear_ops.h"

#include "gmock/gmock.h"
#include "passes/import/test_util.h"

namespace quantc {
namespace {

using import_test::Count;
using import_test::Load;
using import_test::Outputs;
using import_test::RunPass;

// QLinearConv (per-channel weights, int32 bias), MaxPool applied to its
// uint8 output, DequantizeLinear back to float.
constexpr char kQLinearConv[] = R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[1,2,4,4] x) => (float[1,2,2,2] y)
  <float xs = {0.02}, uint8 xzp = {100}, int8[2,2,3,3] w = {1,-2,3,-4,5,-6,7,-8,9,-9,8,-7,6,-5,4,-3,2,-1,
   10,20,30,40,50,60,70,80,90,-10,-20,-30,-40,-50,-60,-70,-80,-90}, float[2] ws = {0.01, 0.002},
   int8[2] wzp = {0, 0}, float ys = {0.03}, uint8 yzp = {120}, int32[2] b = {500, -700}> {
  xq = QuantizeLinear(x, xs, xzp)
  c = QLinearConv<pads = [1,1,1,1]>(xq, xs, xzp, w, ws, wzp, ys, yzp, b)
  p = MaxPool<kernel_shape = [2,2], strides = [2,2]>(c)
  y = DequantizeLinear(p, ys, yzp)
})";

TEST(NormalizeQLinearOps, QdqModelUnchanged) {
  auto g = Load(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[4] x) => (float[4] y) <float s = {0.5}, int8 zp = {0}> {
  q = QuantizeLinear(x, s, zp)
  d = DequantizeLinear(q, s, zp)
  y = Relu(d)
})");
  NormalizeQLinearOpsPass p;
  EXPECT_FALSE(RunPass(p, *g));
}

TEST(NormalizeQLinearOps, QLinearConvAndIntegerMaxPoolBecomeQdq) {
  auto g = Load(kQLinearConv);
  Tensor x = import_test::RandomInput({1, 2, 4, 4}, -1, 3, 7);
  std::vector<Tensor> before = Outputs(*g, {x});
  NormalizeQLinearOpsPass p;
  EXPECT_TRUE(RunPass(p, *g));
  EXPECT_EQ(Count(*g, "QLinearConv"), 0);
  EXPECT_EQ(Count(*g, "Conv"), 1);
  // x, weight, bias, conv output, MaxPool input and the final one.
  EXPECT_EQ(Count(*g, "DequantizeLinear"), 5);
  EXPECT_EQ(Count(*g, "QuantizeLinear"), 3);
  const Node* conv = import_test::Find(*g, "Conv");
  const Node* bias = conv->input(2)->producer();
  ASSERT_EQ(bias->op_type(), "DequantizeLinear");
  // The bias scale is x_scale * w_scale[c], as QLinearConv adds it.
  EXPECT_EQ(bias->input(1)->initializer().data<float>()[0], 0.02f * 0.01f);
  EXPECT_EQ(bias->input(1)->initializer().data<float>()[1], 0.02f * 0.002f);
  // MaxPool reads dequantized values and requantizes with the same initializers.
  const Node* pool = import_test::Find(*g, "MaxPool");
  const Node* rq = pool->output(0)->uses()[0].user;
  EXPECT_EQ(rq->op_type(), "QuantizeLinear");
  EXPECT_EQ(rq->input(1), conv->output(0)->uses()[0].user->input(1));
  // QLinearConv rounds its int32 accumulator times a float multiplier; the
  // QDQ form rounds the float conv: the same integers except where float
  // rounding lands on a tie, at most one step apart.
  std::vector<Tensor> after = Outputs(*g, {x});
  EXPECT_LE(import_test::MaxDiff(before, after), 0.03 + 1e-6);
}

TEST(NormalizeQLinearOps, ContribAddAndGlobalAveragePool) {
  auto g = Load(R"(<ir_version: 8, opset_import: ["" : 13, "com.microsoft" : 1]>
m (float[1,2,2,2] x) => (float[1,2,1,1] y)
  <float s = {0.5}, uint8 zp = {10}, float s2 = {0.25}, uint8 zp2 = {0}> {
  q = QuantizeLinear(x, s, zp)
  a = com.microsoft.QLinearAdd(q, s, zp, q, s, zp, s2, zp2)
  p = com.microsoft.QLinearGlobalAveragePool<channels_last = 0>(a, s2, zp2, s2, zp2)
  y = DequantizeLinear(p, s2, zp2)
})");
  NormalizeQLinearOpsPass p;
  EXPECT_TRUE(RunPass(p, *g));
  EXPECT_EQ(Count(*g, "Add"), 1);
  EXPECT_EQ(Count(*g, "GlobalAveragePool"), 1);
  for (const Node* n : g->nodes()) EXPECT_EQ(n->domain(), "");
  // By hand: x = [1, 2, 3, 4, -1, 0, 1.2, 40]; Q at 0.5 (zp 10) then the sum
  // x + x requantized at 0.25 (zp 0, clamps negatives), averaged per channel.
  Tensor x = Tensor::FromVector<float>({1, 2, 2, 2}, {1, 2, 3, 4, -1, 0, 1.2f, 40});
  std::vector<Tensor> y = Outputs(*g, {x});
  ASSERT_EQ(y.size(), 1u);
  EXPECT_FLOAT_EQ(y[0].data<float>()[0], 5.0f);   // (2 + 4 + 6 + 8) / 4
  EXPECT_FLOAT_EQ(y[0].data<float>()[1], 16.5f);  // (0 + 0 + 2 + 63.75) / 4 -> 16.4375 -> 16.5
}

// The other com.microsoft ops: each becomes its standard float op between
// DequantizeLinear and QuantizeLinear, and the model still runs.
TEST(NormalizeQLinearOps, OtherContribOps) {
  auto g = Load(R"(<ir_version: 8, opset_import: ["" : 13, "com.microsoft" : 1]>
m (float[1,2,2,2] x) => (float[1,3] y)
  <float s = {0.5}, uint8 zp = {10}, float s2 = {0.25}, uint8 zp2 = {0},
   int8[3,4] w = {1, 2, 3, 4, -5, -6, -7, -8, 8, 7, 6, 5}, float ws = {0.125},
   int8 wz = {0}, int32[3] b = {8, -8, 0}, int64[2] shape = {1, 4}> {
  q = QuantizeLinear(x, s, zp)
  m = com.microsoft.QLinearMul(q, s, zp, q, s, zp, s2, zp2)
  c = com.microsoft.QLinearConcat<axis = 1>(s, zp, q, s, zp, m, s2, zp2)
  p = com.microsoft.QLinearAveragePool<kernel_shape = [2, 2], strides = [2, 2]>(c, s, zp, s, zp)
  g = com.microsoft.QLinearSigmoid(p, s, zp, s2, zp2)
  l = com.microsoft.QLinearLeakyRelu<alpha = 0.5>(g, s2, zp2, s2, zp2)
  r = Reshape(l, shape)
  o = com.microsoft.QGemm<transB = 1>(r, s2, zp2, w, ws, wz, b, s, zp)
  y = DequantizeLinear(o, s, zp)
})");
  NormalizeQLinearOpsPass p;
  EXPECT_TRUE(RunPass(p, *g));
  for (const char* op : {"Mul", "Concat", "AveragePool", "Sigmoid", "LeakyRelu", "Gemm"}) {
    EXPECT_EQ(Count(*g, op), 1) << op;
  }
  for (const Node* n : g->nodes()) EXPECT_EQ(n->domain(), "") << n->Describe();
  EXPECT_EQ(import_test::Find(*g, "LeakyRelu")->GetFloat("alpha", 0), 0.5f);
  // The Reshape of uint8 integers became a value move on dequantized ones.
  EXPECT_EQ(import_test::Find(*g, "Reshape")->input(0)->producer()->op_type(), "DequantizeLinear");
  // QGemm's int32 bias is dequantized at a_scale * b_scale.
  const Node* gemm = import_test::Find(*g, "Gemm");
  EXPECT_EQ(gemm->input(2)->producer()->input(1)->initializer().GetAsDouble(0), 0.25 * 0.125);
  std::vector<Tensor> y = Outputs(*g, {import_test::RandomInput({1, 2, 2, 2}, -2, 4, 9)});
  ASSERT_EQ(y.size(), 1u);
  EXPECT_EQ(y[0].num_elements(), 3);
}

}  // namespace
}  // namespace quantc
