#include "passes/mark_float_ops.h"

#include "gtest/gtest.h"
#include "ir/onnx_import.h"

namespace quantc {
namespace {

constexpr char kModel[] = R"(
<ir_version: 8, opset_import: ["" : 13]>
m (float[1,2] x) => (float[1,2] y) {
  a = Relu(x)
  b = Sigmoid(a)
  y = Tanh(b)
}
)";

std::unique_ptr<Graph> Load() {
  auto g = ImportModelText(kModel);
  EXPECT_TRUE(g.ok()) << g.status();
  return *std::move(g);
}

std::vector<bool> Marks(const Graph& g) {
  std::vector<bool> m;
  for (const Node* n : g.nodes()) m.push_back(n->float_op());
  return m;
}

TEST(MarkFloatOps, NothingListedChangesNothing) {
  auto g = Load();
  EXPECT_FALSE(*MarkFloatOpsPass().Run(*g));
  EXPECT_EQ(Marks(*g), std::vector<bool>({false, false, false}));
}

TEST(MarkFloatOps, MarksByOpTypeAndByNodeName) {
  auto g = Load();
  g->RenameNode(g->nodes().ToVector()[2], "squash");  // the Tanh
  EXPECT_TRUE(*MarkFloatOpsPass({{"Sigmoid", "squash"}}).Run(*g));
  EXPECT_EQ(Marks(*g), std::vector<bool>({false, true, true}));
  // Marking again is a no-op, and the mark survives a clone.
  EXPECT_FALSE(*MarkFloatOpsPass({{"Sigmoid"}}).Run(*g));
  EXPECT_EQ(Marks(*g->Clone()), std::vector<bool>({false, true, true}));
}

}  // namespace
}  // namespace quantc
