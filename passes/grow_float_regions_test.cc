#include "passes/grow_float_regions.h"

#include "gtest/gtest.h"
#include "ir/onnx_import.h"
#include "passes/mark_float_ops.h"

namespace quantc {
namespace {

// HardSwish as opset 13 exports it, a squeeze-excitation gate, and a gate
// that also feeds an Add.
constexpr char kModel[] = R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[1,4,2,2] x) => (float[1,4,2,2] y, float[1,4,2,2] z) {
  h = HardSigmoid<alpha = 0.1666667>(x)
  sw = Mul(x, h)
  p = GlobalAveragePool(sw)
  s = Sigmoid(p)
  y = Mul(sw, s)
  z = Add(s, sw)
})";

std::vector<bool> Marks(const Graph& g) {
  std::vector<bool> m;
  for (const Node* n : g.nodes()) m.push_back(n->float_op());
  return m;
}

TEST(GrowFloatRegions, NoFloatGateChangesNothing) {
  auto g = ImportModelText(kModel);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_FALSE(*GrowFloatRegionsPass().Run(**g));
  ASSERT_TRUE(*MarkFloatOpsPass({{"GlobalAveragePool"}}).Run(**g));
  EXPECT_FALSE(*GrowFloatRegionsPass().Run(**g));  // a float pool is not a gate
}

TEST(GrowFloatRegions, GatesTakeTheirMulsOnly) {
  auto g = ImportModelText(kModel);
  ASSERT_TRUE(g.ok()) << g.status();
  ASSERT_TRUE(*MarkFloatOpsPass({{"HardSigmoid", "Sigmoid"}}).Run(**g));
  EXPECT_TRUE(*GrowFloatRegionsPass().Run(**g));
  //                                      h     sw    p      s     y     z
  EXPECT_EQ(Marks(**g), std::vector<bool>({true, true, false, true, true, false}));
  EXPECT_FALSE(*GrowFloatRegionsPass().Run(**g));  // honest "unchanged" on a re-run
}

}  // namespace
}  // namespace quantc
