#include "passes/conv1d_to_conv2d.h"

#include "gtest/gtest.h"
#include "ir/interpreter.h"
#include "ir/onnx_import.h"
#include "ir/verifier.h"
#include "passes/remove_dead_nodes.h"

namespace quantc {
namespace {

// Conv1d (padded, strided), a [C, 1] broadcast Mul, BN, Relu, MaxPool1d,
// Add of two branches, global pooling and Flatten: the rewrite must not
// change a single output value.
constexpr char kModel[] = R"(
<ir_version: 8, opset_import: ["" : 13]>
m (float[1,2,9] x) => (float[1,4] y, float[1,4,4] z)
  <float[4,2,3] w = {1,-2,3,4,5,-6,7,8,9,-10,11,12,1,2,-3,4,5,6,7,-8,9,10,11,12},
   float[4] b = {0.5,-0.5,1,-1}, float[4,1] s = {1,2,0.5,-1},
   float[4] g = {1,2,3,4}, float[4] bb = {0,1,0,1}, float[4] mu = {0,0.5,0,1}, float[4] var = {1,2,3,4},
   float[4,4,1] w2 = {1,0,0,1,0,1,1,0,1,1,1,1,0,0,1,-1}> {
  c = Conv<kernel_shape = [3], pads = [1,1], strides = [2]>(x, w, b)
  m = Mul(c, s)
  n = BatchNormalization(m, g, bb, mu, var)
  r = Relu(n)
  p = MaxPool<kernel_shape = [2], strides = [1]>(r)
  q = Conv<kernel_shape = [1]>(p, w2)
  a = Add(p, q)
  z = Relu(a)
  gp = GlobalAveragePool(a)
  y = Flatten(gp)
}
)";

TEST(Conv1dToConv2d, TwoDimensionalModelIsUnchanged) {
  auto g = ImportModelText(R"(
<ir_version: 8, opset_import: ["" : 13]>
m (float[1,1,2,2] x) => (float[1,1,2,2] y) <float[1,1,1,1] w = {2}> {
  y = Conv<kernel_shape = [1,1]>(x, w)
}
)");
  ASSERT_TRUE(g.ok());
  auto r = Conv1dToConv2dPass().Run(**g);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
}

TEST(Conv1dToConv2d, OutputsAreBitIdentical) {
  auto g = ImportModelText(kModel);
  ASSERT_TRUE(g.ok()) << g.status();
  std::vector<float> xs(18);
  for (size_t i = 0; i < xs.size(); ++i) xs[i] = static_cast<float>((i * 7919) % 23) / 7.0f - 1.5f;
  Tensor x = Tensor::FromVector<float>({1, 2, 9}, xs);
  std::unique_ptr<Graph> before = (*g)->Clone();
  auto r = Conv1dToConv2dPass().Run(**g);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(*r);
  ASSERT_TRUE(RemoveDeadNodesPass().Run(**g).ok());
  ASSERT_TRUE(VerifyGraph(**g).ok()) << VerifyGraph(**g);
  for (const Node* n : (*g)->nodes()) {
    if (n->op_type() == "Conv" || n->op_type() == "MaxPool") {
      EXPECT_EQ(n->GetInts("kernel_shape").size(), 2u) << n->Describe();
    }
  }
  auto want = Interpreter(*before).Run({x});
  auto got = Interpreter(**g).Run({x});
  ASSERT_TRUE(want.ok() && got.ok()) << want.status() << got.status();
  ASSERT_EQ(want->size(), got->size());
  for (size_t i = 0; i < want->size(); ++i) EXPECT_EQ((*want)[i], (*got)[i]) << "output " << i;
}

}  // namespace
}  // namespace quantc
