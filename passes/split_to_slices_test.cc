#include "passes/split_to_slices.h"

#include "gtest/gtest.h"
#include "ir/interpreter.h"
#include "ir/onnx_import.h"
#include "ir/verifier.h"
#include "passes/remove_dead_nodes.h"

namespace quantc {
namespace {

// Rewrites, checks structure, and compares every output bit for bit (a
// Slice copies exactly the values the Split did).
void ExpectSlices(const char* text, int slices) {
  auto g = ImportModelText(text);
  ASSERT_TRUE(g.ok()) << g.status();
  std::unique_ptr<Graph> before = (*g)->Clone();
  auto r = SplitToSlicesPass().Run(**g);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(*r);
  ASSERT_TRUE(RemoveDeadNodesPass().Run(**g).ok());
  ASSERT_TRUE(VerifyGraph(**g).ok()) << VerifyGraph(**g);
  int seen = 0;
  for (const Node* n : (*g)->nodes()) {
    EXPECT_NE(n->op_type(), "Split");
    seen += n->op_type() == "Slice";
  }
  EXPECT_EQ(seen, slices);
  std::vector<float> xs(1 * 6 * 2 * 2);
  for (size_t i = 0; i < xs.size(); ++i) xs[i] = static_cast<float>(i) * 0.5f - 3;
  Tensor x = Tensor::FromVector<float>({1, 6, 2, 2}, xs);
  auto want = Interpreter(*before).Run({x});
  auto got = Interpreter(**g).Run({x});
  ASSERT_TRUE(want.ok() && got.ok()) << want.status() << got.status();
  ASSERT_EQ(want->size(), got->size());
  for (size_t i = 0; i < want->size(); ++i) EXPECT_EQ((*want)[i], (*got)[i]) << "output " << i;
}

TEST(SplitToSlices, SplitWithComputedSizesIsLeftAlone) {
  auto g = ImportModelText(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[1,6,2,2] x, int64[2] s) => (float[1,a,2,2] y, float[1,b,2,2] z) {
  y, z = Split<axis = 1>(x, s)
})");
  ASSERT_TRUE(g.ok()) << g.status();
  auto r = SplitToSlicesPass().Run(**g);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
}

TEST(SplitToSlices, EvenChannelSplit) {
  ExpectSlices(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[1,6,2,2] x) => (float[1,3,2,2] y, float[1,3,2,2] z) {
  y, z = Split<axis = 1>(x)
})",
               2);
}

TEST(SplitToSlices, SizesFromTheInputAndANegativeAxis) {
  ExpectSlices(R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[1,6,2,2] x) => (float[1,1,2,2] y, float[1,2,2,2] z, float[1,3,2,2] w)
  <int64[3] s = {1, 2, 3}> {
  y, z, w = Split<axis = -3>(x, s)
})",
               3);
}

TEST(SplitToSlices, OpsetElevenTakesTheAttribute) {
  ExpectSlices(R"(<ir_version: 7, opset_import: ["" : 11]>
m (float[1,6,2,2] x) => (float[1,4,2,2] y, float[1,2,2,2] z) {
  y, z = Split<axis = 1, split = [4, 2]>(x)
})",
               2);
}

}  // namespace
}  // namespace quantc
