#include "passes/import/normalize_qdq.h"

#include "passes/import/import_quantization.h"
#include "passes/import/test_util.h"

namespace quantc {
namespace {

using import_test::Count;
using import_test::Load;
using import_test::Outputs;
using import_test::RunPass;

bool Prepare(Graph& g) { return ImportQuantizationPass().Run(g).ok(); }

TEST(NormalizeQdq, QuantcFormUnchanged) {
  auto g = Load(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[4] x) => (float[4] y) <float s = {0.5}, int8 zp = {0}> {
  q = QuantizeLinear(x, s, zp)
  d = DequantizeLinear(q, s, zp)
  y = Relu(d)
})");
  ASSERT_TRUE(Prepare(*g));
  NormalizeQdqPass p;
  EXPECT_FALSE(RunPass(p, *g));
}

// PyTorch's shape [1] parameters with a copy on the DequantizeLinear, a
// redundant second Q/DQ pair, and a quantized constant addend.
constexpr char kModel[] = R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[4] x) => (float[4] y)
  <float[1] s = {0.25}, uint8[1] zp = {128}, float[1] s_copy = {0.25}, uint8[1] zp_copy = {128},
   uint8[4] k = {130, 126, 128, 200}, float kq = {0.5}, uint8 kzp = {128}> {
  q = QuantizeLinear(x, s, zp)
  d = DequantizeLinear(q, s_copy, zp_copy)
  q2 = QuantizeLinear(d, s, zp)
  d2 = DequantizeLinear(q2, s, zp)
  kd = DequantizeLinear(k, kq, kzp)
  y = Add(d2, kd)
})";

TEST(NormalizeQdq, ScalarSharedParametersNoRedundantPairPlainConstant) {
  auto g = Load(kModel);
  ASSERT_TRUE(Prepare(*g));
  Tensor x = Tensor::FromVector<float>({4}, {1.1f, -3, 0.2f, 100});
  std::vector<Tensor> before = Outputs(*g, {x});
  NormalizeQdqPass p;
  EXPECT_TRUE(RunPass(p, *g));
  EXPECT_EQ(Count(*g, "QuantizeLinear"), 1);
  EXPECT_EQ(Count(*g, "DequantizeLinear"), 1);
  const Node* q = import_test::Find(*g, "QuantizeLinear");
  const Node* dq = import_test::Find(*g, "DequantizeLinear");
  EXPECT_EQ(q->input(1)->initializer().rank(), 0);
  EXPECT_EQ(dq->input(1), q->input(1));
  EXPECT_EQ(dq->input(2), q->input(2));
  // The addend is the float constant (k - 128) * 0.5.
  const Node* add = import_test::Find(*g, "Add");
  ASSERT_TRUE(add->input(1)->is_initializer());
  EXPECT_EQ(add->input(1)->initializer().GetAsDouble(3), 36);
  std::vector<Tensor> after = Outputs(*g, {x});
  EXPECT_EQ(import_test::MaxDiff(before, after), 0);
}

TEST(NormalizeQdq, RequantizationFoldsIntoTheFirstQuantizeWithANote) {
  auto g = Load(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[4] x) => (float[4] y) <float s = {0.25}, int8 zp = {0}, float s2 = {0.5}, int8 zp2 = {3}> {
  r = Relu(x)
  q = QuantizeLinear(r, s, zp)
  d = DequantizeLinear(q, s, zp)
  q2 = QuantizeLinear(d, s2, zp2)
  y = DequantizeLinear(q2, s2, zp2)
})");
  ASSERT_TRUE(Prepare(*g));
  std::vector<Diagnostic> log;
  NormalizeQdqPass p(NormalizeQdqOptions{&log});
  EXPECT_TRUE(RunPass(p, *g));
  EXPECT_EQ(Count(*g, "QuantizeLinear"), 1);
  const QuantParams& qp = *import_test::Find(*g, "QuantizeLinear")->output(0)->quant();
  EXPECT_EQ(qp.scale[0], 0.5f);
  EXPECT_EQ(qp.zero_point[0], 3);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].severity, Diagnostic::Severity::kNote);
}

}  // namespace
}  // namespace quantc
