#include "passes/correct_bias.h"

#include <cmath>

#include "gtest/gtest.h"
#include "ir/interpreter.h"
#include "ir/onnx_import.h"
#include "passes/calibrate.h"
#include "passes/insert_observers.h"
#include "passes/remove_dead_nodes.h"

namespace quantc {
namespace {

// 2-bit weights make the quantization error large and biased: 0.3 and 0.2
// both land on the one positive level of their channel's scale.
constexpr char kModel[] = R"(
<ir_version: 8, opset_import: ["" : 13]>
m (float[1,3] x) => (float[1,2] y)
  <float[2,3] w = {1, 0.3, 0.2, -1, 0.6, 0.35}, float[2] b = {0, 0}> {
  y = Gemm<transB = 1>(x, w, b)
}
)";

struct BiasedModel {
  std::unique_ptr<Graph> g;
  CalibrationData data;
  InsertQdqOptions qdq;
};

BiasedModel Make() {
  auto g = ImportModelText(kModel);
  EXPECT_TRUE(g.ok()) << g.status();
  std::vector<float> v;
  for (int i = 0; i < 64; ++i) {
    v.push_back(0.5f + 0.01f * i);
    v.push_back(1.0f - 0.005f * i);
    v.push_back(0.25f + 0.02f * (i % 7));
  }
  auto d = CalibrationData::FromTensors(**g, {Tensor::FromVector<float>({64, 3}, v)}, {"t"});
  EXPECT_TRUE(d.ok()) << d.status();
  BiasedModel s{*std::move(g), *std::move(d), {}};
  s.qdq.weight_bits = 2;
  EXPECT_TRUE(InsertObserversPass().Run(*s.g).ok());
  CalibrateOptions c;
  c.data = &s.data;
  EXPECT_TRUE(CalibratePass(c).Run(*s.g).ok());
  return s;
}

// Mean of (quantized - float) output per channel over the data, where the
// float model is the original (uncorrected) one.
std::vector<double> MeanError(const Graph& calibrated, const Graph& original,
                              const BiasedModel& s) {
  std::unique_ptr<Graph> q = calibrated.Clone();
  EXPECT_TRUE(InsertQdqPass(s.qdq).Run(*q).ok());
  EXPECT_TRUE(RemoveDeadNodesPass().Run(*q).ok());
  std::unique_ptr<Graph> f = CloneWithoutObservers(original);
  Interpreter qi(*q), fi(*f);
  std::vector<double> err(2, 0.0);
  for (int64_t i = 0; i < s.data.num_samples(); ++i) {
    std::vector<Tensor> sample = *s.data.Sample(i);
    auto qo = qi.Run(sample);
    auto fo = fi.Run(sample);
    EXPECT_TRUE(qo.ok() && fo.ok());
    for (int c = 0; c < 2; ++c) err[c] += (*qo)[0].data<float>()[c] - (*fo)[0].data<float>()[c];
  }
  for (double& e : err) e /= s.data.num_samples();
  return err;
}

TEST(CorrectBias, ZeroFactorChangesNothing) {
  BiasedModel s = Make();
  auto r = CorrectBiasPass({&s.data, 0.0, QdqEmitter(s.qdq)}).Run(*s.g);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
}

TEST(CorrectBias, RemovesMostOfTheMeanError) {
  BiasedModel s = Make();
  std::unique_ptr<Graph> original = s.g->Clone();
  std::vector<double> before = MeanError(*s.g, *original, s);
  auto r = CorrectBiasPass({&s.data, 1.0, QdqEmitter(s.qdq)}).Run(*s.g);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(*r);
  std::vector<double> after = MeanError(*s.g, *original, s);

  for (int c = 0; c < 2; ++c) {
    EXPECT_GT(std::abs(before[c]), 0.05) << c;  // the setup really is biased
    // What remains is the bias's own int32 rounding and the output's int8
    // quantization, far below the uncorrected error.
    EXPECT_LT(std::abs(after[c]), 0.2 * std::abs(before[c])) << c;
  }
}

// Two layers: the second is measured in a model carrying the first's
// correction. Updating that model's bias in place (one emission per sweep)
// gives bit for bit the corrections of emitting it anew per layer.
TEST(CorrectBias, InPlaceBiasUpdateGivesTheSameCorrections) {
  constexpr char kTwoLayers[] = R"(
<ir_version: 8, opset_import: ["" : 13]>
m (float[1,3] x) => (float[1,2] y)
  <float[3,3] w1 = {1, 0.3, 0.2, -1, 0.6, 0.35, 0.4, -0.7, 0.15}, float[3] b1 = {0, 0.1, -0.1},
   float[2,3] w2 = {0.9, -0.3, 0.45, 0.2, 0.7, -0.55}, float[2] b2 = {0.05, 0}> {
  h = Gemm<transB = 1>(x, w1, b1)
  r = Relu(h)
  y = Gemm<transB = 1>(r, w2, b2)
}
)";
  auto corrected = [&](bool in_place) {
    auto g = ImportModelText(kTwoLayers);
    EXPECT_TRUE(g.ok()) << g.status();
    std::vector<float> v;
    for (int i = 0; i < 64; ++i) {
      for (int k = 0; k < 3; ++k) v.push_back(0.3f + 0.013f * ((i * (k + 3)) % 17));
    }
    auto d = CalibrationData::FromTensors(**g, {Tensor::FromVector<float>({64, 3}, v)}, {"t"});
    EXPECT_TRUE(d.ok()) << d.status();
    EXPECT_TRUE(InsertObserversPass().Run(**g).ok());
    CalibrateOptions c;
    c.data = &*d;
    EXPECT_TRUE(CalibratePass(c).Run(**g).ok());
    InsertQdqOptions qdq;
    qdq.weight_bits = 2;
    qdq.weight_cache = MakeWeightQuantCache();
    CorrectBiasOptions o{&*d, 1.0, QdqEmitter(qdq)};
    if (in_place) o.update_bias = QdqBiasUpdater(qdq);
    auto r = CorrectBiasPass(o).Run(**g);
    EXPECT_TRUE(r.ok() && *r) << r.status();
    std::vector<Tensor> biases;
    for (const Node* n : (*g)->nodes()) {
      if (n->op_type() == "Gemm") biases.push_back(n->input(2)->initializer());
    }
    return biases;
  };
  std::vector<Tensor> anew = corrected(false), in_place = corrected(true);
  ASSERT_EQ(anew.size(), 2u);
  EXPECT_EQ(anew[0], in_place[0]);
  EXPECT_EQ(anew[1], in_place[1]);
  EXPECT_NE(anew[1], Tensor::FromVector<float>({2}, {0.05f, 0.f}));  // really corrected
}

}  // namespace
}  // namespace quantc
