#include "passes/reduce_to_global_pool.h"

#include <cmath>

#include "gtest/gtest.h"
#include "ir/interpreter.h"
#include "ir/onnx_import.h"
#include "ir/verifier.h"
#include "passes/remove_dead_nodes.h"

namespace quantc {
namespace {

std::vector<std::string> OpTypes(const Graph& g) {
  std::vector<std::string> ops;
  for (const Node* n : g.nodes()) ops.push_back(n->op_type());
  return ops;
}

// Runs the pass and checks structure, then that every output value moves by
// no more than float rounding (the reference is the reduction itself).
void ExpectSameValues(const char* text, const std::vector<std::string>& want_ops) {
  auto g = ImportModelText(text);
  ASSERT_TRUE(g.ok()) << g.status();
  std::unique_ptr<Graph> before = (*g)->Clone();
  auto r = ReduceToGlobalPoolPass().Run(**g);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(*r);
  ASSERT_TRUE(RemoveDeadNodesPass().Run(**g).ok());
  ASSERT_TRUE(VerifyGraph(**g).ok()) << VerifyGraph(**g);
  EXPECT_EQ(OpTypes(**g), want_ops);
  std::vector<float> xs(2 * 3 * 4 * 5);
  for (size_t i = 0; i < xs.size(); ++i) xs[i] = std::sin(static_cast<float>(i)) * 3;
  Tensor x = Tensor::FromVector<float>({2, 3, 4, 5}, xs);
  auto want = Interpreter(*before).Run({x});
  auto got = Interpreter(**g).Run({x});
  ASSERT_TRUE(want.ok() && got.ok()) << want.status() << got.status();
  const Tensor& a = (*want)[0];
  const Tensor& b = (*got)[0];
  ASSERT_EQ(a.dims(), b.dims());
  for (int64_t i = 0; i < a.num_elements(); ++i) {
    EXPECT_NEAR(a.GetAsDouble(i), b.GetAsDouble(i), 1e-5 * (1 + std::abs(a.GetAsDouble(i))));
  }
}

TEST(ReduceToGlobalPool, OtherReductionsAreLeftAlone) {
  for (const char* body : {"y = ReduceMean<axes = [1, 2, 3], keepdims = 1>(x)",
                           "y = ReduceMean<axes = [3], keepdims = 1>(x)",
                           "y = ReduceMax<axes = [2, 3], keepdims = 1>(x)"}) {
    auto g = ImportModelText(absl::StrCat(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[2,3,4,5] x) => (float[a,b,c,d] y) { )", body, " }"));
    ASSERT_TRUE(g.ok()) << g.status();
    auto r = ReduceToGlobalPoolPass().Run(**g);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(*r) << body;
  }
}

TEST(ReduceToGlobalPool, MeanWithoutKeepdimsIsPoolThenFlatten) {
  ExpectSameValues(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[2,3,4,5] x) => (float[2,3] y) { y = ReduceMean<axes = [-1, 2], keepdims = 0>(x) })",
                   {"GlobalAveragePool", "Flatten"});
}

TEST(ReduceToGlobalPool, MeanWithKeepdimsIsThePool) {
  ExpectSameValues(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[2,3,4,5] x) => (float[2,3,1,1] y) { y = ReduceMean<axes = [2, 3]>(x) })",
                   {"GlobalAveragePool"});
}

TEST(ReduceToGlobalPool, SumIsThePoolTimesTheArea) {
  ExpectSameValues(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[2,3,4,5] x) => (float[2,3,1,1] y) <int64[2] axes = {2, 3}> {
  y = ReduceSum<keepdims = 1>(x, axes)
})",
                   {"GlobalAveragePool", "Mul"});
}

TEST(ReduceToGlobalPool, TheNodeKeepsItsName) {
  auto g = ImportModelText(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[2,3,4,5] x) => (float[2,3] y) { y = ReduceMean<axes = [2, 3], keepdims = 0>(x) })");
  ASSERT_TRUE(g.ok());
  (*g)->RenameNode((*g)->nodes().ToVector()[0], "pool");
  ASSERT_TRUE(ReduceToGlobalPoolPass().Run(**g).ok());
  ASSERT_TRUE(RemoveDeadNodesPass().Run(**g).ok());
  EXPECT_EQ((*g)->nodes().ToVector()[0]->name(), "pool");
  EXPECT_EQ((*g)->outputs()[0]->name(), "y");
}

}  // namespace
}  // namespace quantc
