// Import, verification, printing, statistics, export and topological
// sorting of a 50,000-node graph, at a size every CI run affords: half the
// nodes read one value (a 25,000-entry use list, 25,000 nodes ready at
// once) and the other half form a chain, written in reverse order so that
// everything must be sorted. The results are checked exactly; the speed
// goal (200,000 nodes in under 2 s) is measured by bench/big_graph.sh, not
// by a timed test.
#include <algorithm>
#include <random>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "gtest/gtest.h"
#include "ir/graph.h"
#include "ir/onnx_export.h"
#include "ir/onnx_import.h"
#include "ir/printer.h"
#include "ir/stats.h"
#include "ir/verifier.h"
#include "onnx/onnx_pb.h"

namespace quantc {
namespace {

constexpr int kHalf = 25000;

onnx::ModelProto BigModel() {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(13);
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name("big");
  auto typed = [](onnx::ValueInfoProto* vi, const std::string& name) {
    vi->set_name(name);
    auto* t = vi->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    t->mutable_shape()->add_dim()->set_dim_value(4);
  };
  typed(g->add_input(), "x");
  std::vector<onnx::NodeProto> nodes;
  for (int i = 0; i < kHalf; ++i) {
    onnx::NodeProto n;
    n.set_op_type("Relu");
    n.set_name("relu" + std::to_string(i));
    n.add_input("x");
    n.add_output("r" + std::to_string(i));
    nodes.push_back(n);
  }
  std::string prev = "x";
  for (int i = 0; i < kHalf; ++i) {
    onnx::NodeProto n;
    n.set_op_type("Add");
    n.set_name("add" + std::to_string(i));
    n.add_input(prev);
    n.add_input("r" + std::to_string(i));
    prev = "a" + std::to_string(i);
    n.add_output(prev);
    nodes.push_back(n);
  }
  std::reverse(nodes.begin(), nodes.end());
  for (auto& n : nodes) *g->add_node() = std::move(n);
  typed(g->add_output(), prev);
  return m;
}

TEST(LargeGraph, ImportVerifyInspectExport) {
  auto g = ImportModelBytes(BigModel().SerializeAsString(), "", "big.onnx");
  ASSERT_TRUE(g.ok()) << g.status();
  ASSERT_EQ((*g)->num_nodes(), 2 * kHalf);
  EXPECT_TRUE(VerifyGraph(**g).ok());
  // Sorted stably: the file's order reversed puts the last Relu first; every
  // Relu (ready at once, lowest file index first) precedes the chain.
  std::vector<Node*> order = (*g)->nodes().ToVector();
  EXPECT_EQ(order.front()->name(), "relu" + std::to_string(kHalf - 1));
  EXPECT_EQ(order[kHalf - 1]->name(), "relu0");
  EXPECT_EQ(order[kHalf]->name(), "add0");
  EXPECT_EQ(order.back()->name(), "add" + std::to_string(kHalf - 1));
  EXPECT_EQ((*g)->inputs()[0]->uses().size(), static_cast<size_t>(kHalf + 1));
  GraphStats s = ComputeStats(**g);
  EXPECT_EQ(s.op_histogram["Relu"], kHalf);
  EXPECT_EQ(s.op_histogram["Add"], kHalf);
  // All Relu outputs live until the chain reads them: kHalf + 1 values of
  // 16 bytes, plus the input and one Add output at the peak.
  EXPECT_EQ(s.peak_activation_bytes, 16 * (kHalf + 2));
  const std::string text = PrintGraph(**g);
  EXPECT_NE(text.find("@add24999"), std::string::npos);
  auto bytes = ExportModelBytes(**g);
  ASSERT_TRUE(bytes.ok());
  auto again = ImportModelBytes(*bytes, "", "again.onnx");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(PrintGraph(**again), text);
}

TEST(LargeGraph, SortTopologicallyRestoresAShuffledOrder) {
  auto g = ImportModelBytes(BigModel().SerializeAsString(), "", "big.onnx");
  ASSERT_TRUE(g.ok()) << g.status();
  std::vector<Node*> nodes = (*g)->nodes().ToVector();
  std::mt19937 rng(7);
  std::shuffle(nodes.begin(), nodes.end(), rng);
  for (Node* n : nodes) (*g)->MoveBefore(n, nullptr);  // the shuffled order
  EXPECT_FALSE(VerifyGraph(**g).ok());
  ASSERT_TRUE((*g)->SortTopologically());
  EXPECT_TRUE(VerifyGraph(**g).ok());
  // Every chain node still follows its Relu and its predecessor.
  int pos = 0;
  absl::flat_hash_map<const Node*, int> at;
  for (Node* n : (*g)->nodes()) at[n] = pos++;
  for (Node* n : (*g)->nodes()) {
    for (Value* in : n->inputs()) {
      if (in->producer()) EXPECT_LT(at[in->producer()], at[n]);
    }
  }
}

}  // namespace
}  // namespace quantc
