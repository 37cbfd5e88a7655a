// legalize_tinpu against hand-derived scales (the arithmetic is in each
// comment) and an independently computed repair cost.
#include "passes/legalize_tinpu.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ir/onnx_import.h"
#include "ir/verifier.h"
#include "passes/insert_observers.h"
#include "passes/insert_qdq.h"
#include "passes/lower_to_integer.h"

namespace quantc {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

double P2(int e) { return std::ldexp(1.0, e); }

// TINPU's activation scheme, spelled out: symmetric, power of two,
// non-negative data over the whole range.
InsertQdqOptions TinpuQdq(int weight_bits) {
  InsertQdqOptions q;
  q.activations.symmetric = true;
  q.activations.power2 = true;
  q.activations.full_range_if_nonnegative = true;
  q.weight_bits = weight_bits;
  q.weight_power2 = weight_bits == 8;
  return q;
}

std::unique_ptr<Graph> Qdq(const std::string& text, const InsertQdqOptions& q) {
  auto g = ImportModelText(text);
  EXPECT_TRUE(g.ok()) << g.status();
  EXPECT_TRUE(InsertQdqPass(q).Run(**g).ok());
  return *std::move(g);
}

const QuantParams& QuantOfQ(const Graph& g, const std::string& input) {
  for (const Node* n : g.nodes()) {
    if (n->op_type() == "QuantizeLinear" && n->input(0)->name() == input) {
      return *n->output(0)->quant();
    }
  }
  ADD_FAILURE() << "no QuantizeLinear of " << input;
  static QuantParams none;
  return none;
}

struct Legalized {
  absl::StatusOr<bool> changed;
  std::vector<Diagnostic> log;
};

Legalized Legalize(Graph& g, int weight_bits, bool prequantized = false,
             std::shared_ptr<FloatReference> ref = nullptr) {
  Legalized r{false, {}};
  LegalizeTinpuOptions o;
  o.weight_bits = weight_bits;
  o.input_prequantized = prequantized;
  o.reference = std::move(ref);
  o.log = &r.log;
  r.changed = LegalizeTinpuPass(o).Run(g);
  return r;
}

// x: range +-1.9 -> 1.9 / 127.5 = 0.0149 -> 2^-6. w = 0.5: 0.5 / 127 =
// 0.003937 -> 2^-7 (8-bit weights are powers of two), integer 64. So
// s_acc = 2^-13. y: range +-0.004 -> 3.14e-5 -> 2^-14.
constexpr char kFineOutput[] = R"(
<ir_version: 8, opset_import: ["" : 13, "quantc" : 1]>
m (float[1,1,2,2] x) => (float[1,1,2,2] y) <float[1,1,1,1] w = {0.5}> {
  xo = quantc.Observe<range = [-1.9, 1.9]>(x)
  c = Conv<kernel_shape = [1,1]>(xo, w)
  y = quantc.Observe<range = [-0.004, 0.004]>(c)
}
)";

TEST(LegalizeTinpu, GraphWithoutQuantizeLinearIsUnchanged) {
  auto g = ImportModelText(R"(
<ir_version: 8, opset_import: ["" : 13]>
m (float[1,2] x) => (float[1,2] y) { y = Relu(x) }
)");
  ASSERT_TRUE(g.ok());
  Legalized r = Legalize(**g, 8);
  ASSERT_TRUE(r.changed.ok());
  EXPECT_FALSE(*r.changed);
  EXPECT_TRUE(r.log.empty());
}

TEST(LegalizeTinpu, LegalModelIsUnchanged) {
  // y range +-0.02: 0.02 / 127.5 = 1.57e-4 -> 2^-12, coarser than s_acc =
  // 2^-13: w = 1/2, a plain shift.
  std::string text = kFineOutput;
  text.replace(text.find("-0.004, 0.004"), 13, "-0.02, 0.02");
  auto g = Qdq(text, TinpuQdq(8));
  Legalized r = Legalize(*g, 8);
  ASSERT_TRUE(r.changed.ok());
  EXPECT_FALSE(*r.changed);
  ASSERT_EQ(r.log.size(), 1u);  // the input note only
  EXPECT_EQ(r.log[0].severity, Diagnostic::Severity::kNote);
  EXPECT_THAT(r.log[0].message, HasSubstr("round(x / 2^-6) in [-128, 127]"));
}

TEST(LegalizeTinpu, EightBitWeightsCoarsenAnOutputFinerThanTheAccumulator) {
  auto g = Qdq(kFineOutput, TinpuQdq(8));
  EXPECT_EQ(QuantOfQ(*g, "c").scale[0], P2(-14));
  Legalized r = Legalize(*g, 8);
  ASSERT_TRUE(*r.changed);
  // w = 2^-13 / 2^-14 = 2 > 1: the output becomes 2^-13.
  EXPECT_EQ(QuantOfQ(*g, "c").scale[0], P2(-13));
  ASSERT_EQ(r.log.size(), 2u);
  EXPECT_EQ(r.log[1].subject, "tensor 'y' (output of node producing 'c' (Conv))");
  EXPECT_THAT(r.log[1].message, HasSubstr("scale 2^-14 -> 2^-13: weighted layer: requantization "
                                          "factor 2 exceeds 1"));
  EXPECT_EQ(r.log[1].severity, Diagnostic::Severity::kWarning);  // cost not measured
  EXPECT_TRUE(VerifyGraph(*g).ok());
}

TEST(LegalizeTinpu, FourBitWeightsUseTheirEightBitMultiplier) {
  // 4-bit weights are not powers of two: s_w = 0.5 / 7, s_acc = 2^-6 * 0.5 / 7
  // = 1.116e-3, w = s_acc / 2^-14 = 18.3 <= 255: legal as it is.
  auto g = Qdq(kFineOutput, TinpuQdq(4));
  Legalized r = Legalize(*g, 4);
  ASSERT_TRUE(r.changed.ok());
  EXPECT_EQ(QuantOfQ(*g, "c").scale[0], P2(-14));
  for (const Diagnostic& d : r.log) EXPECT_EQ(d.severity, Diagnostic::Severity::kNote) << d.ToString();
}

TEST(LegalizeTinpu, InputBlockLimitOnlyWithAnInputBlock) {
  // x range +-0.01 -> 7.8e-5 -> 2^-13; the input block's multiplier 1/s must
  // fit 8 bits (<= 255), so in quantize mode the finest scale is 2^-7.
  std::string text = kFineOutput;
  text.replace(text.find("-1.9, 1.9"), 9, "-0.01, 0.01");
  auto quantize = Qdq(text, TinpuQdq(8));
  Legalized r = Legalize(*quantize, 8);
  EXPECT_EQ(QuantOfQ(*quantize, "x").scale[0], P2(-7));
  EXPECT_THAT(r.log[0].message, HasSubstr("scale 2^-13 -> 2^-7: input quantize"));
  // The application quantizes: no block, no limit.
  auto pre = Qdq(text, TinpuQdq(8));
  Legalize(*pre, 8, /*prequantized=*/true);
  EXPECT_EQ(QuantOfQ(*pre, "x").scale[0], P2(-13));
}

// A uint8 asymmetric tensor (range [-1, 3]: s = 4/255, zp 64) is widened to
// the symmetric range over the same values, [-64 s, 191 s] = [-1.004, 2.996]:
// 2.996 / 127.5 = 0.0235 -> 2^-5, and uint8's signed domain has zero point
// 128 (127, PyTorch's, would be an int8 range [-127, 128] TINPU cannot
// clip to). Lowering then accepts it.
TEST(LegalizeTinpu, Uint8ZeroPointBecomes128) {
  InsertQdqOptions q = TinpuQdq(8);
  q.activations = ActivationScheme{DType::kUInt8, 8, false, false};
  auto g = Qdq(R"(
<ir_version: 8, opset_import: ["" : 13, "quantc" : 1]>
m (float[1,1,2,2] x) => (float[1,1,2,2] y) {
  xo = quantc.Observe<range = [-1.0, 3.0]>(x)
  p = MaxPool<kernel_shape = [1,1]>(xo)
  y = quantc.Observe<inherit = 1>(p)
}
)",
               q);
  EXPECT_EQ(QuantOfQ(*g, "x").zero_point[0], 64);
  ASSERT_TRUE(*Legalize(*g, 8).changed);
  EXPECT_EQ(QuantOfQ(*g, "x").zero_point[0], 128);
  EXPECT_EQ(QuantOfQ(*g, "x").scale[0], P2(-5));
  auto lowered = LowerToIntegerPass().Run(*g);
  EXPECT_TRUE(lowered.ok()) << lowered.status();
}

// bias 500 on w = 0.01 (s_w 2^-13, integer 82) and s_x = 2^-6: s_acc = 2^-19,
// y at 600 / 127.5 -> 2^3, round term 2^3 / (2 * 2^-19) = 2^21. The offset
// 500 * 2^19 + 2^21 = 2.64e8 overflows int24 (8388607); a factor f fits
// when (2.62e8 + 2^21) / f <= 8388607: f = 32 (8257536). So channel 0's
// weight scale becomes 2^-8, its integer rne(82 / 32) = 3, and its bias is
// requantized at 2^-14: 500 * 2^14 = 8192000.
TEST(LegalizeTinpu, OffsetOverflowCoarsensOnlyThatChannel) {
  auto g = Qdq(R"(
<ir_version: 8, opset_import: ["" : 13, "quantc" : 1]>
m (float[1,1,2,2] x) => (float[1,2,2,2] y)
  <float[2,1,1,1] w = {0.01, 0.5}, float[2] b = {500.0, 0.5}> {
  xo = quantc.Observe<range = [-1.0, 1.0]>(x)
  c = Conv<kernel_shape = [1,1]>(xo, w, b)
  y = quantc.Observe<range = [-600.0, 600.0]>(c)
}
)",
               TinpuQdq(8));
  Legalized r = Legalize(*g, 8);
  ASSERT_TRUE(*r.changed);
  const Value* w = nullptr;
  const Value* b = nullptr;
  for (const Value* v : g->initializers()) {
    if (v->name() == "w_quantized") w = v;
    if (v->name() == "b_quantized") b = v;
  }
  ASSERT_TRUE(w && b);
  EXPECT_THAT(w->quant()->scale, ElementsAre(P2(-8), P2(-7)));
  EXPECT_EQ(w->initializer().GetAsDouble(0), 3);
  EXPECT_EQ(w->initializer().GetAsDouble(1), 64);
  EXPECT_EQ(b->initializer().GetAsDouble(0), 8192000);
  EXPECT_THAT(r.log.back().message, HasSubstr("channel 0 2^-13 -> 2^-8"));
  EXPECT_THAT(r.log.back().message, HasSubstr("overflows the int24 offset field"));
}

// With a float reference the repair is priced: output SQNR before minus
// after, here recomputed by hand. The model only moves x (MaxPool 1x1), so
// the output is x quantized at s: before 2^-13, after the input block's
// 2^-7.
TEST(LegalizeTinpu, RepairCostIsTheMeasuredDropOfOutputSqnr) {
  constexpr char kText[] = R"(
<ir_version: 8, opset_import: ["" : 13, "quantc" : 1]>
m (float[1,1,1,1] x) => (float[1,1,1,1] y) {
  xo = quantc.Observe<range = [-0.01, 0.01]>(x)
  p = MaxPool<kernel_shape = [1,1]>(xo)
  y = quantc.Observe<inherit = 1>(p)
}
)";
  auto g = ImportModelText(kText);
  ASSERT_TRUE(g.ok());
  std::vector<float> xs;
  for (int i = 0; i < 64; ++i) xs.push_back(0.01f * std::sin(0.7f * i));
  auto data = CalibrationData::FromTensors(**g, {Tensor::FromVector<float>({64, 1, 1, 1}, xs)},
                                           {"t"});
  ASSERT_TRUE(data.ok());
  auto ref = std::make_shared<FloatReference>();
  ref->data = &*data;
  ref->model = CloneWithoutObservers(**g);
  ASSERT_TRUE(InsertQdqPass(TinpuQdq(8)).Run(**g).ok());
  Legalized r = Legalize(**g, 8, false, ref);
  ASSERT_TRUE(r.changed.ok()) << r.changed.status();
  auto sqnr = [&](double s) {
    double signal = 0, noise = 0;
    for (float x : xs) {
      double q = std::clamp(std::nearbyint(x / s), -128.0, 127.0) * s;
      signal += double{x} * x;
      noise += (x - q) * (x - q);
    }
    return 10 * std::log10(signal / noise);
  };
  const Diagnostic& d = r.log[0];
  ASSERT_TRUE(d.cost_db.has_value()) << d.ToString();
  EXPECT_NEAR(*d.cost_db, sqnr(P2(-13)) - sqnr(P2(-7)), 1e-3);
  EXPECT_GT(*d.cost_db, 1.0);
  EXPECT_EQ(d.severity, Diagnostic::Severity::kWarning);
  EXPECT_THAT(d.ToString(), HasSubstr("dB of output SQNR"));
}

}  // namespace
}  // namespace quantc
