#include "passes/import/mark_imported_float_ops.h"

#include "passes/import/test_util.h"

namespace quantc {
namespace {

using import_test::Load;
using import_test::RunPass;

// A float conv (float weights, float input, float output), a quantized
// region, a Sigmoid between Q/DQ pairs and a Softmax output.
constexpr char kModel[] = R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[1,1,2,2] x) => (float[1,1,2,2] y)
  <float[1,1,1,1] w = {2}, float s = {0.1}, int8 zp = {0}> {
  c = Conv<kernel_shape = [1, 1]>(x, w)
  q = QuantizeLinear(c, s, zp)
  d = DequantizeLinear(q, s, zp)
  g = Sigmoid(d)
  q2 = QuantizeLinear(g, s, zp)
  d2 = DequantizeLinear(q2, s, zp)
  y = Softmax(d2)
})";

std::vector<std::string> Marked(const Graph& g) {
  std::vector<std::string> ops;
  for (const Node* n : g.nodes()) {
    if (n->float_op()) ops.push_back(n->op_type());
  }
  return ops;
}

TEST(MarkImportedFloatOps, FullyQuantizedGenericModelUnmarked) {
  auto g = Load(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[4] x) => (float[4] y) <float s = {0.5}, int8 zp = {0}> {
  q = QuantizeLinear(x, s, zp)
  d = DequantizeLinear(q, s, zp)
  y = Sigmoid(d)
})");
  MarkImportedFloatOpsPass p;
  EXPECT_FALSE(RunPass(p, *g));
}

TEST(MarkImportedFloatOps, GenericMarksOnlyTheSourcesFloatLayer) {
  auto g = Load(kModel);
  MarkImportedFloatOpsPass p({ImportTarget::kGeneric, nullptr});
  EXPECT_FALSE(RunPass(p, *g)) << "the conv's output is quantized: a quantized layer";
  EXPECT_TRUE(Marked(*g).empty());
}

TEST(MarkImportedFloatOps, TinpuMarksOpsWithoutAnIntegerForm) {
  auto g = Load(kModel);
  std::vector<Diagnostic> log;
  MarkImportedFloatOpsPass p({ImportTarget::kTinpu, &log});
  EXPECT_TRUE(RunPass(p, *g));
  EXPECT_EQ(Marked(*g), std::vector<std::string>({"Sigmoid", "Softmax"}));
  EXPECT_EQ(log.size(), 2u);
}

TEST(MarkImportedFloatOps, FloatLayerBetweenFloatTensors) {
  auto g = Load(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[1,1,2,2] x) => (float[1,1,2,2] y) <float[1,1,1,1] w = {2}> {
  y = Conv<kernel_shape = [1, 1]>(x, w)
})");
  MarkImportedFloatOpsPass p({ImportTarget::kGeneric, nullptr});
  EXPECT_TRUE(RunPass(p, *g));
  EXPECT_EQ(Marked(*g), std::vector<std::string>({"Conv"}));
}

}  // namespace
}  // namespace quantc
