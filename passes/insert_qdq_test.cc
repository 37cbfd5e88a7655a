// insert_qdq against hand-computed parameters (the formulas of
// quant/qparams.h evaluated by hand in each comment).
#include "passes/insert_qdq.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ir/onnx_import.h"
#include "ir/verifier.h"

namespace quantc {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::unique_ptr<Graph> Load(const std::string& text) {
  auto g = ImportModelText(text);
  EXPECT_TRUE(g.ok()) << g.status();
  return g.ok() ? *std::move(g) : nullptr;
}

const Value* Init(const Graph& g, const std::string& name) {
  for (const Value* v : g.initializers()) {
    if (v->name() == name) return v;
  }
  ADD_FAILURE() << "no initializer " << name;
  return nullptr;
}

std::vector<double> Values(const Tensor& t) {
  std::vector<double> v;
  for (int64_t i = 0; i < t.num_elements(); ++i) v.push_back(t.GetAsDouble(i));
  return v;
}

constexpr char kConv[] = R"(
<ir_version: 8, opset_import: ["" : 13, "quantc" : 1]>
m (float[1,1,2,2] x) => (float[1,2,2,2] y)
  <float[2,1,1,1] w = {0.5, -0.25}, float[2] b = {0.1, -0.2}> {
  xo = quantc.Observe<range = [-1.0, 2.0]>(x)
  c = Conv<kernel_shape = [1,1]>(xo, w, b)
  y = quantc.Observe<range = [-4.0, 4.0]>(c)
}
)";

TEST(InsertQdq, GraphWithoutObserversOrWeightsIsUnchanged) {
  auto g = Load(R"(
<ir_version: 8, opset_import: ["" : 13]>
m (float[1,2] x) => (float[1,2] y) { y = Relu(x) }
)");
  auto r = InsertQdqPass().Run(*g);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
}

TEST(InsertQdq, ActivationWeightAndBiasParameters) {
  auto g = Load(kConv);
  ASSERT_TRUE(*InsertQdqPass().Run(*g));
  EXPECT_TRUE(VerifyGraph(*g).ok());
  // x: asymmetric int8 over [-1, 2]: s = 3 / 255, zp = -128 - rne(-1 / s)
  // = -128 + 85 = -43.
  EXPECT_FLOAT_EQ(Init(*g, "x_scale")->initializer().GetAsDouble(0), 3.0f / 255.0f);
  EXPECT_EQ(Init(*g, "x_zero_point")->initializer().GetAsDouble(0), -43);
  EXPECT_EQ(Init(*g, "x_zero_point")->initializer().dtype(), DType::kInt8);
  // w: per channel, 0.5 / 127 and 0.25 / 127; both weights at +-127.
  const Value* wq = Init(*g, "w_quantized");
  EXPECT_THAT(Values(wq->initializer()), ElementsAre(127, -127));
  EXPECT_EQ(wq->quant()->kind, QuantTensorKind::kWeight);
  EXPECT_THAT(wq->quant()->scale, ElementsAre(0.5f / 127, 0.25f / 127));
  // b: int32 at s_x * s_w[c]: 0.1 / (3/255 * 0.5/127) = 2159.0 and
  // -0.2 / (3/255 * 0.25/127) = -8636.0.
  const Value* bq = Init(*g, "b_quantized");
  EXPECT_EQ(bq->quant()->kind, QuantTensorKind::kBias);
  EXPECT_THAT(Values(bq->initializer()), ElementsAre(2159, -8636));
}

// A channel of tiny but non-zero weights (e.g. a BN with a large variance
// folded in): max|w| / 127 = 7.9e-8 is below eps = 2^-23, so s = 2^-23 and
// the integers are rne(1e-5 * 2^23) = rne(83.89) = 84 and rne(-41.94) = -42,
// not the zeros of the fallback scale. Only the all-zero channel takes the
// layer's largest scale (0.5 / 127).
TEST(InsertQdq, TinyChannelsKeepTheirWeightsDeadChannelsTakeTheLargestScale) {
  auto g = Load(R"(
<ir_version: 8, opset_import: ["" : 13, "quantc" : 1]>
m (float[1,2,1,1] x) => (float[1,3,1,1] y)
  <float[3,2,1,1] w = {0.00001, -0.000005, 0.5, 0.25, 0, 0}> {
  xo = quantc.Observe<range = [-1.0, 1.0]>(x)
  c = Conv<kernel_shape = [1,1]>(xo, w)
  y = quantc.Observe<range = [-1.0, 1.0]>(c)
}
)");
  ASSERT_TRUE(*InsertQdqPass().Run(*g));
  const Value* wq = Init(*g, "w_quantized");
  EXPECT_THAT(Values(wq->initializer()), ElementsAre(84, -42, 127, 64, 0, 0));
  EXPECT_THAT(wq->quant()->scale, ElementsAre(std::ldexp(1.0f, -23), 0.5f / 127, 0.5f / 127));
}

// s_x = 2 / 255 (range [-1, 1]); s_w = 1e-6 / 127 = 7.87e-9 would put the
// bias 100 at 100 / (s_x s_w) = 1.6e12 > int32. The weight scale grows to
// 1.0001 * 100 / (s_x (2^31 - 1)) = 5.937e-6, the bias lands just inside
// int32 and the move is a warning naming the node.
TEST(InsertQdq, Int32BiasOverflowCoarsensTheWeightScale) {
  auto g = Load(R"(
<ir_version: 8, opset_import: ["" : 13, "quantc" : 1]>
m (float[1,1,1,1] x) => (float[1,1,1,1] y)
  <float[1,1,1,1] w = {0.000001}, float[1] b = {100.0}> {
  xo = quantc.Observe<range = [-1.0, 1.0]>(x)
  c = Conv<kernel_shape = [1,1]>(xo, w, b)
  y = quantc.Observe<range = [-200.0, 200.0]>(c)
}
)");
  std::vector<Diagnostic> log;
  InsertQdqOptions o;
  o.log = &log;
  ASSERT_TRUE(*InsertQdqPass(o).Run(*g));
  const double s_x = 2.0 / 255.0;
  const double want = 1.0001 * 100 / (s_x * 2147483647.0);
  const Value* wq = Init(*g, "w_quantized");
  EXPECT_NEAR(wq->quant()->scale[0], want, want * 1e-6);
  const double q = Init(*g, "b_quantized")->initializer().GetAsDouble(0);
  EXPECT_LT(q, 2147483647.0);
  EXPECT_GT(q, 2147483647.0 / 1.0002);  // not clamped: 100 / (s_x s_w) exactly
  EXPECT_EQ(Values(wq->initializer())[0], 0);  // 1e-6 is far below one step
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].severity, Diagnostic::Severity::kWarning);
  EXPECT_THAT(log[0].ToString(), HasSubstr("overflow int32"));
}

// Zero points are built with the storage type (QuantizeLinear requires the
// zero point and the output to share it): int16 and uint16 too.
TEST(InsertQdq, ZeroPointsHaveTheStorageType) {
  for (DType storage : {DType::kInt16, DType::kUInt16, DType::kUInt8}) {
    auto g = Load(kConv);
    InsertQdqOptions o;
    o.activations.storage = storage;
    o.activations.bits = storage == DType::kUInt8 ? 8 : 16;
    ASSERT_TRUE(*InsertQdqPass(o).Run(*g));
    EXPECT_EQ(Init(*g, "x_zero_point")->initializer().dtype(), storage);
    EXPECT_TRUE(VerifyGraph(*g).ok());
  }
}

// inherit=1 observers reuse their source's initializers: one truth.
TEST(InsertQdq, InheritedQuantizationSharesInitializers) {
  auto g = Load(R"(
<ir_version: 8, opset_import: ["" : 13, "quantc" : 1]>
m (float[1,1,2,2] x) => (float[1,1,1,1] y) {
  xo = quantc.Observe<range = [0.0, 1.0]>(x)
  p = MaxPool<kernel_shape = [2,2]>(xo)
  y = quantc.Observe<inherit = 1>(p)
}
)");
  ASSERT_TRUE(*InsertQdqPass().Run(*g));
  std::vector<const Node*> qs;
  for (const Node* n : g->nodes()) {
    if (n->op_type() == "QuantizeLinear") qs.push_back(n);
  }
  ASSERT_EQ(qs.size(), 2u);
  EXPECT_EQ(qs[0]->input(1), qs[1]->input(1));
  EXPECT_EQ(qs[0]->input(2), qs[1]->input(2));
}

// Bias correction's in-place update gives the int32 bias a fresh run gives
// (by hand: 0.3 / (3/255 * 0.5/127) = 6477.0, -0.1 / (3/255 * 0.25/127) =
// -4318.0), and refuses a bias whose int32 fit would move a weight scale.
TEST(InsertQdq, UpdateQuantizedBiasMatchesAFreshRun) {
  auto calibrated = Load(kConv);
  InsertQdqOptions o;
  o.weight_cache = MakeWeightQuantCache();
  std::unique_ptr<Graph> emitted = calibrated->Clone();
  ASSERT_TRUE(*InsertQdqPass(o).Run(*emitted));
  const Node* layer = calibrated->FindValue("c")->producer();
  const Tensor moved = Tensor::FromVector<float>({2}, {0.3f, -0.1f});
  auto updated = UpdateQuantizedBias(*emitted, *layer, moved, o);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_TRUE(*updated);
  EXPECT_THAT(Values(Init(*emitted, "b_quantized")->initializer()), ElementsAre(6477, -4318));

  std::unique_ptr<Graph> fresh = calibrated->Clone();
  fresh->SetInitializer(fresh->FindValue("b"), moved);
  ASSERT_TRUE(*InsertQdqPass(o).Run(*fresh));
  EXPECT_EQ(Init(*fresh, "b_quantized")->initializer(),
            Init(*emitted, "b_quantized")->initializer());

  const Tensor huge = Tensor::FromVector<float>({2}, {1e9f, 0.f});
  updated = UpdateQuantizedBias(*emitted, *layer, huge, o);
  ASSERT_TRUE(updated.ok());
  EXPECT_FALSE(*updated);
  EXPECT_THAT(Values(Init(*emitted, "b_quantized")->initializer()), ElementsAre(6477, -4318));
}

}  // namespace
}  // namespace quantc
