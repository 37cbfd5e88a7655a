#include "passes/lower_to_integer.h"

#include <cmath>

#include "gtest/gtest.h"
#include "ir/interpreter.h"
#include "ir/onnx_import.h"
#include "passes/insert_qdq.h"
#include "passes/legalize_tinpu.h"
#include "passes/remove_dead_nodes.h"

namespace quantc {
namespace {

constexpr char kModel[] = R"(
<ir_version: 8, opset_import: ["" : 13, "quantc" : 1]>
m (float[1,3,2,2] x) => (float[1,2,2,2] y)
  <float[2,3,1,1] w = {0.9, -0.35, 0.2, -0.6, 0.45, 0.1}, float[2] b = {0.05, -0.1}> {
  xo = quantc.Observe<range = [-1.0, 1.0]>(x)
  c = Conv<kernel_shape = [1,1]>(xo, w, b)
  y = quantc.Observe<range = [-2.0, 2.0]>(c)
}
)";

// The QDQ model and its TINPU lowering at `bits`-bit weights.
struct Lowered {
  std::unique_ptr<Graph> qdq, integer;
};

Lowered Lower(int bits) {
  auto g = ImportModelText(kModel);
  EXPECT_TRUE(g.ok()) << g.status();
  InsertQdqOptions q;
  q.activations.symmetric = true;
  q.activations.full_range_if_nonnegative = true;
  q.activations.power2 = true;
  q.weight_bits = bits;
  q.weight_power2 = bits == 8;
  EXPECT_TRUE(InsertQdqPass(q).Run(**g).ok());
  LegalizeTinpuOptions lo;
  lo.weight_bits = bits;
  EXPECT_TRUE(LegalizeTinpuPass(lo).Run(**g).ok());
  Lowered l{(*g)->Clone(), nullptr};
  EXPECT_TRUE(RemoveDeadNodesPass().Run(*l.qdq).ok());
  LowerToIntegerOptions o;
  o.weight_bits = bits;
  o.output_int = false;  // real-valued output, comparable with the QDQ model
  auto r = LowerToIntegerPass(o).Run(**g);
  EXPECT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(RemoveDeadNodesPass().Run(**g).ok());
  l.integer = *std::move(g);
  return l;
}

const Tensor* Const(const Graph& g, const std::string& suffix) {
  for (const Value* v : g.initializers()) {
    if (v->name().size() >= suffix.size() &&
        v->name().compare(v->name().size() - suffix.size(), suffix.size(), suffix) == 0) {
      return &v->initializer();
    }
  }
  return nullptr;
}

TEST(LowerToInteger, GraphWithoutQuantizeLinearIsUnchanged) {
  auto g = ImportModelText(R"(
<ir_version: 8, opset_import: ["" : 13]>
m (float[1,2] x) => (float[1,2] y) { y = Relu(x) }
)");
  ASSERT_TRUE(g.ok());
  auto r = LowerToIntegerPass().Run(**g);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
}

TEST(LowerToInteger, FourBitWeightsUseEightBitMultipliers) {
  Lowered l = Lower(4);
  const Tensor* w = Const(*l.integer, "c_weight_int");
  const Tensor* mult = Const(*l.integer, "c_requant_multiplier");
  ASSERT_NE(w, nullptr);
  ASSERT_NE(mult, nullptr);
  for (float v : w->data<float>()) EXPECT_LE(std::abs(v), 7.0f);  // 4-bit: ±7
  bool any_above_one = false;
  for (float m : mult->data<float>()) {
    EXPECT_GE(m, 1.0f);
    EXPECT_LE(m, 255.0f);
    EXPECT_EQ(m, std::nearbyint(m));
    any_above_one = any_above_one || m > 1;
  }
  EXPECT_TRUE(any_above_one);
}

// The integer model rounds half up where QuantizeLinear rounds half to
// even, and its multiplier approximates the ratio: at most one output step.
void ExpectWithinOneStep(const Lowered& l, float step) {
  std::vector<float> xs(12);
  Interpreter qdq(*l.qdq), integer(*l.integer);
  for (int trial = 0; trial < 50; ++trial) {
    for (size_t i = 0; i < xs.size(); ++i) xs[i] = std::sin(0.37f * (trial * 12 + i));
    Tensor x = Tensor::FromVector<float>({1, 3, 2, 2}, xs);
    auto a = qdq.Run({x});
    auto b = integer.Run({x});
    ASSERT_TRUE(a.ok() && b.ok()) << a.status() << b.status();
    for (int64_t i = 0; i < (*a)[0].num_elements(); ++i) {
      EXPECT_LE(std::abs((*a)[0].data<float>()[i] - (*b)[0].data<float>()[i]), step * 1.001f);
    }
  }
}

TEST(LowerToInteger, EightBitMatchesQdqWithinOneStep) {
  Lowered l = Lower(8);
  for (float m : Const(*l.integer, "c_requant_multiplier")->data<float>()) EXPECT_EQ(m, 1.0f);
  ExpectWithinOneStep(l, 2.0f / 64);  // output range ±2 -> scale 2^-6
}

TEST(LowerToInteger, FourBitMatchesQdqWithinOneStep) { ExpectWithinOneStep(Lower(4), 2.0f / 64); }

}  // namespace
}  // namespace quantc
