// Graph mutation API: use lists, RAUW with graph outputs, naming, sorting.
#include "ir/graph.h"

#include "gtest/gtest.h"
#include "ir/printer.h"
#include "ir/verifier.h"

namespace quantc {
namespace {

TensorType F32(std::vector<int64_t> dims) { return TensorType::Static(DType::kFloat32, dims); }

TEST(Graph, UseListsFollowSetInput) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Value* w = g.AddInitializer("w", Tensor::FromVector<float>({4}, {1, 2, 3, 4}));
  Node* mul = g.AddNode("Mul", {x, w}, {"y"});
  ASSERT_EQ(x->uses().size(), 1u);
  EXPECT_EQ(x->uses()[0], (Use{mul, 0}));
  mul->SetInput(0, w);
  EXPECT_TRUE(x->uses().empty());
  EXPECT_EQ(w->uses().size(), 2u);
}

TEST(Graph, ReplaceAllUsesWithRenamesIntoGraphOutput) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Node* relu = g.AddNode("Relu", {x}, {"a"});
  Node* id = g.AddNode("Identity", {relu->output(0)}, {"y"});
  id->output(0)->set_type(F32({4}));
  relu->output(0)->set_type(F32({4}));
  g.AddOutput(id->output(0));
  g.ReplaceAllUsesWith(id->output(0), relu->output(0));
  ASSERT_EQ(g.outputs().size(), 1u);
  EXPECT_EQ(g.outputs()[0], relu->output(0));
  EXPECT_EQ(relu->output(0)->name(), "y");  // the public name survives
  g.RemoveNode(id);
  EXPECT_TRUE(VerifyGraph(g).ok()) << VerifyGraph(g);
}

TEST(Graph, ReplaceGraphOutputByInputInsertsIdentity) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Node* relu = g.AddNode("Relu", {x}, {"y"});
  relu->output(0)->set_type(F32({4}));
  g.AddOutput(relu->output(0));
  g.ReplaceAllUsesWith(relu->output(0), x);
  EXPECT_EQ(g.outputs()[0]->name(), "y");
  EXPECT_EQ(g.outputs()[0]->producer()->op_type(), "Identity");
  EXPECT_EQ(g.outputs()[0]->producer()->input(0), x);
}

TEST(Graph, UniqueNamesDoNotCollide) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Node* a = g.AddNode("Relu", {x}, {"x"});
  EXPECT_NE(a->output(0)->name(), "x");
  Node* b = g.AddNode("Relu", {x}, {"x"}, nullptr, "n");
  Node* c = g.AddNode("Relu", {x}, {"z"}, nullptr, "n");
  EXPECT_NE(b->name(), c->name());
}

TEST(Graph, SortTopologicallyKeepsSortedOrderAndFixesUnsorted) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Node* a = g.AddNode("Relu", {x}, {"a"});
  Node* b = g.AddNode("Sigmoid", {a->output(0)}, {"b"});
  g.MoveBefore(b, a);  // now out of order
  EXPECT_FALSE(VerifyGraph(g).ok());
  ASSERT_TRUE(g.SortTopologically());
  EXPECT_EQ(g.nodes().ToVector(), (std::vector<Node*>{a, b}));
}

TEST(Graph, SortTopologicallyDetectsCycle) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Node* a = g.AddNode("Add", {x, x}, {"a"});
  Node* b = g.AddNode("Relu", {a->output(0)}, {"b"});
  a->SetInput(1, b->output(0));
  EXPECT_FALSE(g.SortTopologically());
}

TEST(Graph, AttributesStaySorted) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Node* n = g.AddNode("Conv", {x}, {"y"});
  n->SetAttr(Attribute::Ints("strides", {1, 1}));
  n->SetAttr(Attribute::Int("group", 2));
  n->SetAttr(Attribute::Ints("pads", {0, 0, 0, 0}));
  ASSERT_EQ(n->attributes().size(), 3u);
  EXPECT_EQ(n->attributes()[0].name, "group");
  EXPECT_EQ(n->GetInt("group", 1), 2);
  EXPECT_EQ(n->GetInts("strides"), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(n->GetInt("missing", 7), 7);
  n->RemoveAttr("group");
  EXPECT_EQ(n->FindAttr("group"), nullptr);
}

TEST(Graph, ClonePrintsIdenticallyAndIsIndependent) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Value* w = g.AddInitializer("w", Tensor::FromVector<float>({4}, {1, 2, 3, 4}));
  Node* n = g.AddNode("Mul", {x, w}, {"y"}, nullptr, "mul");
  n->output(0)->set_type(F32({4}));
  n->SetAttr(Attribute::Int("unused", 1));
  g.AddOutput(n->output(0));
  std::unique_ptr<Graph> c = g.Clone();
  EXPECT_EQ(PrintGraph(g), PrintGraph(*c));
  EXPECT_TRUE(VerifyGraph(*c).ok());
  c->nodes().ToVector()[0]->RemoveAttr("unused");
  EXPECT_NE(PrintGraph(g), PrintGraph(*c));
}

TEST(Tensor, HashIsStableAndContentSensitive) {
  Tensor a = Tensor::FromVector<float>({2}, {1, 2});
  Tensor b = Tensor::FromVector<float>({2}, {1, 2});
  Tensor c = Tensor::FromVector<float>({2}, {1, 3});
  EXPECT_EQ(TensorHash(a), TensorHash(b));
  EXPECT_NE(TensorHash(a), TensorHash(c));
  EXPECT_NE(TensorHash(a), TensorHash(a.Reshaped({1, 2})));
  // FNV-1a of (int32 3, int64 1, byte 0), computed independently: a change
  // here would silently change every golden file.
  EXPECT_EQ(TensorHash(Tensor::FromVector<int8_t>({1}, {0})), 0x9ff1c77743e03405ull);
}

TEST(Verifier, CatchesBrokenQuantParams) {
  Graph g;
  Value* x = g.AddInput("x", F32({1, 3}));
  Node* n = g.AddNode("Relu", {x}, {"y"});
  n->output(0)->set_type(F32({1, 3}));
  g.AddOutput(n->output(0));
  QuantParams q;
  q.scale = {0.5f, 0.25f};
  q.zero_point = {0, 0};
  q.axis = 1;
  n->output(0)->set_quant(q);
  EXPECT_FALSE(VerifyGraph(g).ok());  // 2 scales, 3 channels
  q.scale = {0.5f, 0.25f, -1.f};
  q.zero_point = {0, 0, 0};
  n->output(0)->set_quant(q);
  EXPECT_FALSE(VerifyGraph(g).ok());  // negative scale
  q.scale = {0.5f, 0.25f, 1.f};
  n->output(0)->set_quant(q);
  EXPECT_TRUE(VerifyGraph(g).ok());
  EXPECT_NE(PrintGraph(g).find("q{i8 s=[0.5,0.25,1] zp=[0,0,0] axis=1}"), std::string::npos);
}

}  // namespace
}  // namespace quantc
