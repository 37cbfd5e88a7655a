#include "passes/squeeze_to_reshape.h"

#include "gtest/gtest.h"
#include "ir/interpreter.h"
#include "ir/onnx_import.h"
#include "ir/verifier.h"
#include "passes/remove_dead_nodes.h"

namespace quantc {
namespace {

TEST(SqueezeToReshape, DynamicShapeIsLeftAlone) {
  auto g = ImportModelText(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[N,8,1,1] x) => (float[N,8] y) <int64[2] axes = {2, 3}> { y = Squeeze(x, axes) })");
  ASSERT_TRUE(g.ok()) << g.status();
  auto r = SqueezeToReshapePass().Run(**g);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
}

TEST(SqueezeToReshape, SqueezeAndUnsqueezeBecomeReshapesWithTheSameValues) {
  auto g = ImportModelText(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[1,8,1,1] x) => (float[1,1,8] y) <int64[2] a = {2, 3}, int64[1] b = {1}> {
  s = Squeeze(x, a)
  y = Unsqueeze(s, b)
})");
  ASSERT_TRUE(g.ok()) << g.status();
  std::unique_ptr<Graph> before = (*g)->Clone();
  auto r = SqueezeToReshapePass().Run(**g);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(*r);
  ASSERT_TRUE(RemoveDeadNodesPass().Run(**g).ok());
  ASSERT_TRUE(VerifyGraph(**g).ok()) << VerifyGraph(**g);
  std::vector<std::vector<int64_t>> shapes;
  for (const Node* n : (*g)->nodes()) {
    ASSERT_EQ(n->op_type(), "Reshape");
    const Tensor& t = n->input(1)->initializer();
    shapes.emplace_back(t.data<int64_t>().begin(), t.data<int64_t>().end());
  }
  EXPECT_EQ(shapes, (std::vector<std::vector<int64_t>>{{1, 8}, {1, 1, 8}}));
  Tensor x = Tensor::FromVector<float>({1, 8, 1, 1}, {1, -2, 3, -4, 5, -6, 7, -8});
  auto want = Interpreter(*before).Run({x});
  auto got = Interpreter(**g).Run({x});
  ASSERT_TRUE(want.ok() && got.ok()) << want.status() << got.status();
  EXPECT_EQ((*want)[0], (*got)[0]);
  EXPECT_EQ((*g)->outputs()[0]->name(), "y");
}

}  // namespace
}  // namespace quantc
