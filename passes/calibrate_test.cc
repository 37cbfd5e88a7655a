#include "passes/calibrate.h"

#include "gtest/gtest.h"
#include "ir/onnx_import.h"
#include "passes/insert_observers.h"

namespace quantc {
namespace {

constexpr char kModel[] = R"(
<ir_version: 8, opset_import: ["" : 13]>
m (float[1,3] x) => (float[1,3] y) {
  y = Sigmoid(x)
}
)";

struct Fixture {
  std::unique_ptr<Graph> g;
  CalibrationData data;
};

Fixture Make(std::vector<float> values) {
  auto g = ImportModelText(kModel);
  EXPECT_TRUE(g.ok()) << g.status();
  int64_t n = static_cast<int64_t>(values.size()) / 3;
  auto d = CalibrationData::FromTensors(**g, {Tensor::FromVector<float>({n, 3}, values)}, {"t"});
  EXPECT_TRUE(d.ok()) << d.status();
  EXPECT_TRUE(InsertObserversPass().Run(**g).ok());
  return {*std::move(g), *std::move(d)};
}

const Node* ObserverOf(const Graph& g, const std::string& tensor) {
  for (const Node* n : g.nodes()) {
    if (IsObserver(*n) && n->input(0)->name() == tensor) return n;
  }
  return nullptr;
}

TEST(Calibrate, GraphWithoutObserversIsUnchanged) {
  auto g = ImportModelText(kModel);
  ASSERT_TRUE(g.ok());
  auto d = CalibrationData::FromTensors(**g, {Tensor::FromVector<float>({1, 3}, {1, 2, 3})}, {"t"});
  ASSERT_TRUE(d.ok());
  CalibrateOptions o;
  o.data = &*d;
  auto r = CalibratePass(o).Run(**g);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
}

TEST(Calibrate, MinMaxSeesEverySample) {
  Fixture f = Make({-1, 0, 2, 0.5f, 4, -3});
  CalibrateOptions o;
  o.data = &f.data;
  auto r = CalibratePass(o).Run(*f.g);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(*r);
  const Node* obs = ObserverOf(*f.g, "x");
  ASSERT_NE(obs, nullptr);
  EXPECT_EQ(obs->GetFloats("minmax"), (std::vector<float>{-3, 4}));
  EXPECT_EQ(obs->GetFloats("range"), (std::vector<float>{-3, 4}));
  EXPECT_EQ(obs->GetString("observer", ""), "minmax");
}

TEST(Calibrate, EmaStepsOncePerBatch) {
  // Batches of one sample: ranges (-1, 2) then (-3, 4); with momentum 0.5
  // the EMA range is (-1 + 0.5 * (-3 - -1), 2 + 0.5 * (4 - 2)) = (-2, 3).
  Fixture f = Make({-1, 0, 2, 0.5f, 4, -3});
  CalibrateOptions o;
  o.data = &f.data;
  o.observer = ObserverKind::kEma;
  o.observer_options.ema_momentum = 0.5;
  o.batch = 1;
  ASSERT_TRUE(CalibratePass(o).Run(*f.g).ok());
  EXPECT_EQ(ObserverOf(*f.g, "x")->GetFloats("range"), (std::vector<float>{-2, 3}));
}

TEST(Calibrate, EpochsRepeatTheData) {
  Fixture f = Make({-1, 0, 2, 0.5f, 4, -3});
  CalibrateOptions o;
  o.data = &f.data;
  o.epochs = 3;
  int64_t last_done = 0, last_total = 0;
  o.progress = [&](int64_t done, int64_t total) {
    last_done = done;
    last_total = total;
  };
  ASSERT_TRUE(CalibratePass(o).Run(*f.g).ok());
  EXPECT_EQ(last_done, 6);
  EXPECT_EQ(last_total, 6);
}

// Softmax/Sigmoid/Tanh outputs are confined to a known interval and keep
// their observed extremes whatever the observer; LogSoftmax is unbounded
// below (log of a tiny probability), so its outliers are trimmed like any
// activation's. 99 samples give -ln 3 = -1.0986 three times; one gives
// log-probabilities (-30, -30, ~0). The 90th-percentile observer trims the
// two -30s (0.7 % of the values); min/max would keep -30.
TEST(Calibrate, LogSoftmaxIsNotABoundedOutput) {
  auto g = ImportModelText(R"(
<ir_version: 8, opset_import: ["" : 13]>
m (float[1,3] x) => (float[1,3] y) {
  y = LogSoftmax<axis = 1>(x)
}
)");
  ASSERT_TRUE(g.ok()) << g.status();
  std::vector<float> v(300, 0.0f);
  v[299] = 30.0f;
  auto d = CalibrationData::FromTensors(**g, {Tensor::FromVector<float>({100, 3}, v)}, {"t"});
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_TRUE(InsertObserversPass().Run(**g).ok());
  CalibrateOptions o;
  o.data = &*d;
  o.observer = ObserverKind::kPercentile;
  o.observer_options.percentile = 90;
  ASSERT_TRUE(CalibratePass(o).Run(**g).ok());
  const Node* obs = nullptr;
  for (const Node* n : (*g)->nodes()) {
    if (IsObserver(*n) && n->input(0)->producer()) obs = n;
  }
  ASSERT_NE(obs, nullptr);
  EXPECT_LT(obs->GetFloats("minmax")[0], -29.0f);
  EXPECT_GT(obs->GetFloats("range")[0], -2.0f);
}

}  // namespace
}  // namespace quantc
