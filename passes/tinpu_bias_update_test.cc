// The in-place update of a TINPU integer model against emitting the model
// again from a calibrated graph with the new bias: the same constants, taps
// and outputs, bit for bit.
#include "passes/tinpu_bias_update.h"

#include "gtest/gtest.h"
#include "ir/interpreter.h"
#include "ir/onnx_import.h"
#include "passes/pass_manager.h"
#include "passes/pipelines.h"

namespace quantc {
namespace {

constexpr char kTwoConvs[] = R"(
<ir_version: 8, opset_import: ["" : 13]>
m (float[1,1,4,4] x) => (float[1,4,4,4] y)
  <float[4,1,3,3] w1 = {0.5, -0.25, 0.125, 0.3, -0.6, 0.2, 0.1, 0.45, -0.35,
                        -0.4, 0.2, 0.6, 0.05, 0.3, -0.15, 0.25, -0.5, 0.4,
                        0.3, 0.3, -0.2, 0.6, -0.1, 0.15, -0.45, 0.2, 0.1,
                        0.1, -0.7, 0.25, 0.35, 0.05, -0.3, 0.2, 0.4, -0.05},
   float[4] b1 = {0.1, -0.2, 0.05, 0},
   float[4,4,1,1] w2 = {0.9, -0.3, 0.45, 0.2, 0.7, -0.55, 0.1, 0.3,
                        -0.2, 0.4, 0.6, -0.1, 0.25, 0.05, -0.35, 0.8},
   float[4] b2 = {0.05, 0, -0.1, 0.2}> {
  h = Conv<kernel_shape = [3,3], pads = [1,1,1,1]>(x, w1, b1)
  r = Relu(h)
  y = Conv<kernel_shape = [1,1]>(r, w2, b2)
}
)";

struct Calibrated {
  std::unique_ptr<Graph> calibrated;
  CalibrationData data;
  TinpuQuantizeOptions options;
};

// Inputs in [-amplitude, amplitude].
std::unique_ptr<Calibrated> Calibrate(float amplitude = 1) {
  auto g = ImportModelText(kTwoConvs);
  EXPECT_TRUE(g.ok()) << g.status();
  std::vector<float> v;
  for (int i = 0; i < 16 * 16; ++i) {
    v.push_back(amplitude * (static_cast<float>((i * 37) % 101) / 50.f - 1.f));
  }
  auto d = CalibrationData::FromTensors(**g, {Tensor::FromVector<float>({16, 1, 4, 4}, v)}, {"t"});
  EXPECT_TRUE(d.ok()) << d.status();
  auto s = std::make_unique<Calibrated>(Calibrated{*std::move(g), *std::move(d), {}});
  s->options.generic.calibrate.data = &s->data;
  s->options.generic.calibrate.observer = DefaultActivationObserver(true);
  PassManager pm;
  pm.AddAll(std::move(TinpuQuantizeStages(s->options).calibrate));
  EXPECT_TRUE(pm.Run(*s->calibrated).ok());
  return s;
}

// The k-th Conv of `g`.
Node* Layer(const Graph& g, int k) {
  for (Node* n : g.nodes()) {
    if (n->op_type() == "Conv" && k-- == 0) return n;
  }
  return nullptr;
}

Tensor Plus(const Tensor& b, std::vector<float> d) {
  for (int64_t i = 0; i < b.num_elements(); ++i) d[i] += b.data<float>()[i];
  return Tensor::FromVector<float>(b.dims(), d);
}

// `fresh`'s initializers are `updated`'s, its taps and outputs too.
void ExpectSameModel(const EmittedModel& updated, const EmittedModel& fresh,
                     const CalibrationData& data) {
  for (const Value* v : fresh.graph->initializers()) {
    const Value* u = updated.graph->FindValue(v->name());
    ASSERT_NE(u, nullptr) << v->name();
    EXPECT_EQ(u->initializer(), v->initializer()) << v->name();
  }
  ASSERT_EQ(updated.taps.size(), fresh.taps.size());
  for (size_t i = 0; i < fresh.taps.size(); ++i) {
    EXPECT_EQ(updated.taps[i].offset, fresh.taps[i].offset) << fresh.taps[i].layer_output;
    EXPECT_EQ(updated.taps[i].scale, fresh.taps[i].scale) << fresh.taps[i].layer_output;
  }
  Interpreter a(*updated.graph), b(*fresh.graph);
  for (int64_t i = 0; i < data.num_samples(); ++i) {
    auto sample = data.Sample(i);
    auto ya = a.Run(*sample);
    auto yb = b.Run(*sample);
    ASSERT_TRUE(ya.ok() && yb.ok());
    EXPECT_EQ((*ya)[0], (*yb)[0]) << "sample " << i;
  }
}

TEST(UpdateTinpuBias, EqualsEmittingAgainLayerAfterLayer) {
  std::unique_ptr<Calibrated> s = Calibrate();
  auto [emit, update] = TinpuBiasCorrectionEmitter(s->options);
  auto e = emit(s->calibrated->Clone());
  ASSERT_TRUE(e.ok()) << e.status();
  std::unique_ptr<Graph> moved = s->calibrated->Clone();
  for (int layer : {0, 1}) {
    Node* m = Layer(*moved, layer);
    Value* b = m->input(2);
    Tensor nb = Plus(b->initializer(), {0.03f, -0.02f, 0.11f, -0.07f});
    moved->SetInitializer(b, nb);
    auto updated = update(*e, *Layer(*s->calibrated, layer), nb);
    ASSERT_TRUE(updated.ok()) << updated.status();
    EXPECT_TRUE(*updated) << layer;
    auto fresh = emit(moved->Clone());
    ASSERT_TRUE(fresh.ok()) << fresh.status();
    ExpectSameModel(*e, *fresh, s->data);
  }
}

// Inputs so small that their scale is finer than TINPU's input block
// realizes: legalization coarsens it, and so requantizes the first layer's
// int32 bias to the new accumulator scale.
TEST(UpdateTinpuBias, FollowsLegalizationsBiasRequantization) {
  std::unique_ptr<Calibrated> s = Calibrate(1e-4f);
  auto [emit, update] = TinpuBiasCorrectionEmitter(s->options);
  auto e = emit(s->calibrated->Clone());
  ASSERT_TRUE(e.ok()) << e.status();
  std::unique_ptr<Graph> moved = s->calibrated->Clone();
  Value* b = Layer(*moved, 0)->input(2);
  Tensor nb = Plus(b->initializer(), {0.03f, -0.02f, 0.11f, -0.07f});
  moved->SetInitializer(b, nb);
  auto updated = update(*e, *Layer(*s->calibrated, 0), nb);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_TRUE(*updated);
  auto fresh = emit(moved->Clone());
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  ExpectSameModel(*e, *fresh, s->data);
}

// An offset far outside TINPU's field makes legalization coarsen the
// layer's weights: more than a new bias, so no in-place update.
TEST(UpdateTinpuBias, RefusesABiasLegalizationWouldRepair) {
  std::unique_ptr<Calibrated> s = Calibrate();
  auto [emit, update] = TinpuBiasCorrectionEmitter(s->options);
  auto e = emit(s->calibrated->Clone());
  ASSERT_TRUE(e.ok()) << e.status();
  const Node* h = Layer(*s->calibrated, 0);
  auto updated = update(*e, *h, Plus(h->input(2)->initializer(), {3e4f, 0, 0, 0}));
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_FALSE(*updated);
}

}  // namespace
}  // namespace quantc
