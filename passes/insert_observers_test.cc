// insert_observers: which tensors get an observer, derived by hand from the
// placement rules in the .cc banner.
#include "passes/insert_observers.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ir/onnx_import.h"
#include "ir/verifier.h"
#include "passes/mark_float_ops.h"

namespace quantc {
namespace {

using ::testing::ElementsAre;

std::unique_ptr<Graph> Load(const std::string& text) {
  auto g = ImportModelText(text);
  EXPECT_TRUE(g.ok()) << g.status();
  return g.ok() ? *std::move(g) : nullptr;
}

// "name" or "name(inherit)" for every observer, in graph order.
std::vector<std::string> Observed(const Graph& g) {
  std::vector<std::string> out;
  for (const Node* n : g.nodes()) {
    if (!IsObserver(*n)) continue;
    out.push_back(n->input(0)->name() + (n->GetInt("inherit", 0) ? "(inherit)" : ""));
  }
  return out;
}

TEST(InsertObservers, IntegerTensorsAreNeverObserved) {
  auto g = Load(R"(
<ir_version: 8, opset_import: ["" : 13]>
m (int64[2] x) => (int64[2] y) { y = Neg(x) }
)");
  auto r = InsertObserversPass().Run(*g);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
}

// x: a float input. c: fuses with its only consumer Relu, so only r is
// observed. p: MaxPool keeps its input's values (inherit). f: Flatten
// likewise. y: the Gemm output, observed (it is the graph output).
TEST(InsertObservers, FusionAndInheritance) {
  auto g = Load(R"(
<ir_version: 8, opset_import: ["" : 13]>
m (float[1,1,2,2] x) => (float[1,2] y) <float[2,1,1,1] w = {1, 2}, float[2,2] fw = {1, 0, 0, 1}> {
  c = Conv<kernel_shape = [1,1]>(x, w)
  r = Relu(c)
  p = MaxPool<kernel_shape = [2,2]>(r)
  f = Flatten(p)
  y = Gemm(f, fw)
}
)");
  ASSERT_TRUE(*InsertObserversPass().Run(*g));
  EXPECT_THAT(Observed(*g), ElementsAre("x", "r", "p(inherit)", "f(inherit)", "y__replaced"));
  EXPECT_TRUE(VerifyGraph(*g).ok());
}

// A Conv output with two consumers cannot fuse into either: c and both
// consumers' outputs are observed.
TEST(InsertObservers, SharedProducerOutputIsObserved) {
  auto g = Load(R"(
<ir_version: 8, opset_import: ["" : 13]>
m (float[1,1,2,2] x) => (float[1,1,2,2] y, float[1,1,2,2] z) <float[1,1,1,1] w = {2}> {
  c = Conv<kernel_shape = [1,1]>(x, w)
  y = Relu(c)
  z = Sigmoid(c)
}
)");
  ASSERT_TRUE(*InsertObserversPass().Run(*g));
  EXPECT_THAT(Observed(*g), ElementsAre("x", "c", "y__replaced", "z__replaced"));
}

// A float op's output is observed only where a quantized consumer reads it
// (s, for the Conv), and a float op producing a graph output stays float
// (t is not observed); its input is observed because the Conv produces it.
TEST(InsertObservers, FloatOpsStayFloat) {
  auto g = Load(R"(
<ir_version: 8, opset_import: ["" : 13]>
m (float[1,1,2,2] x) => (float[1,1,2,2] y, float[1,1,2,2] t) <float[1,1,1,1] w = {2}> {
  c = Conv<kernel_shape = [1,1]>(x, w)
  s = Sigmoid(c)
  y = Conv<kernel_shape = [1,1]>(s, w)
  t = Tanh(c)
}
)");
  ASSERT_TRUE(*MarkFloatOpsPass({{"Sigmoid", "Tanh"}}).Run(*g));
  ASSERT_TRUE(*InsertObserversPass().Run(*g));
  EXPECT_THAT(Observed(*g), ElementsAre("x", "c", "s", "y__replaced"));
}

// An input read only by a BatchNormalization stays float (raw features);
// the BN's output is observed. An input that is also a graph output passes
// through unobserved.
TEST(InsertObservers, InputBatchNormAndPassThroughInput) {
  auto g = Load(R"(
<ir_version: 8, opset_import: ["" : 13]>
m (float[1,2,1,1] x, float[1,2] k) => (float[1,2,1,1] y, float[1,2] k) <float[2] s = {1, 1}, float[2] b = {0, 0}, float[2] mu = {0, 0}, float[2] v = {1, 1}> {
  y = BatchNormalization(x, s, b, mu, v)
}
)");
  ASSERT_TRUE(*InsertObserversPass().Run(*g));
  EXPECT_THAT(Observed(*g), ElementsAre("y__replaced"));
}

}  // namespace
}  // namespace quantc
