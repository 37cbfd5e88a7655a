#include "passes/incremental_eval.h"

#include "gtest/gtest.h"
#include "ir/interpreter.h"
#include "ir/onnx_import.h"

namespace quantc {
namespace {

// A chain of three layers, each with its own bias: the sequence bias
// correction produces changes one bias at a time.
constexpr char kModel[] = R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[1,2,3,3] x) => (float[1,2,3,3] y)
  <float[2,2,1,1] w1 = {1, -0.5, 0.25, 2}, float[2] b1 = {0.1, -0.2},
   float[2,2,1,1] w2 = {-1, 0.5, 1.5, 0.5}, float[2] b2 = {0, 0.3},
   float[2,2,1,1] w3 = {0.5, 0.5, -2, 1}, float[2] b3 = {-0.1, 0.1}> {
  c1 = Conv(x, w1, b1)
  r1 = Relu(c1)
  c2 = Conv(r1, w2, b2)
  r2 = Relu(c2)
  y = Conv(r2, w3, b3)
})";

CalibrationData Data(const Graph& g, int64_t n) {
  std::vector<float> v(static_cast<size_t>(n * 18));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>((i * 37) % 19) / 9.0f - 1.0f;
  auto d = CalibrationData::FromTensors(g, {Tensor::FromVector<float>({n, 2, 3, 3}, v)}, {"t"});
  EXPECT_TRUE(d.ok()) << d.status();
  return *std::move(d);
}

// `name` of `g` for every sample, by running the whole graph.
std::vector<Tensor> Reference(const Graph& g, const std::string& name, const CalibrationData& d) {
  std::vector<Tensor> out;
  Interpreter interp(g);
  interp.set_observer([&](const Value& v, const Tensor& t) {
    if (v.name() == name) out.push_back(t);
  });
  for (int64_t s = 0; s < d.num_samples(); ++s) EXPECT_TRUE(interp.Run(*d.Sample(s)).ok());
  return out;
}

void SetBias(Graph& g, const char* name, float delta) {
  Value* b = g.FindValue(name);
  Tensor t = b->initializer();
  Tensor moved(DType::kFloat32, t.dims());
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    moved.mutable_data<float>()[i] = t.data<float>()[i] + delta;
  }
  g.SetInitializer(b, moved);
}

// Layer by layer, as bias correction goes: read c_k, then move b_k.
int64_t RunSequence(int64_t budget, const CalibrationData& d) {
  auto g = ImportModelText(kModel);
  EXPECT_TRUE(g.ok());
  IncrementalEvaluator eval(d, budget);
  const char* layers[][2] = {{"c1", "b1"}, {"c2", "b2"}, {"y", "b3"}};
  for (auto& [out, bias] : layers) {
    std::unique_ptr<Graph> copy = (*g)->Clone();  // a new graph object every step
    std::vector<Tensor> want = Reference(*copy, out, d);
    std::vector<Tensor> got;
    const Value* v = copy->FindValue(out);
    EXPECT_TRUE(eval.ForEachSample(*copy, v, [&](const Tensor& t) {
                      got.push_back(t);
                      return absl::OkStatus();
                    }).ok());
    EXPECT_EQ(got, want) << out;
    eval.Prune(*copy, v->producer());
    SetBias(**g, bias, 0.125f);
    if (budget == 0) EXPECT_EQ(eval.bytes_in_memory(), 0);
  }
  return eval.node_evaluations();
}

TEST(IncrementalEvaluator, NothingToComputeForAGraphInput) {
  auto g = ImportModelText(kModel);
  ASSERT_TRUE(g.ok());
  CalibrationData d = Data(**g, 3);
  IncrementalEvaluator eval(d, 1 << 20);
  int64_t seen = 0;
  ASSERT_TRUE(eval.ForEachSample(**g, (*g)->inputs()[0], [&](const Tensor& t) {
                    EXPECT_EQ(t, *d.Sample(seen)->begin());
                    ++seen;
                    return absl::OkStatus();
                  }).ok());
  EXPECT_EQ(seen, 3);
  EXPECT_EQ(eval.node_evaluations(), 0);
}

TEST(IncrementalEvaluator, EachComputationRunsOncePerSampleAndMatchesFullRuns) {
  auto g = ImportModelText(kModel);
  ASSERT_TRUE(g.ok());
  CalibrationData d = Data(**g, 4);
  // Step 1 runs c1; step 2 reruns c1 (new bias) then r1, c2; step 3 reruns
  // c2, then r2, y: 7 node runs per sample. Running each prefix in full
  // would take 1 + 3 + 5 = 9.
  EXPECT_EQ(RunSequence(int64_t{1} << 30, d), 7 * 4);
}

TEST(IncrementalEvaluator, SpillsToATemporaryFileWithTheSameResults) {
  auto g = ImportModelText(kModel);
  ASSERT_TRUE(g.ok());
  CalibrationData d = Data(**g, 4);
  EXPECT_EQ(RunSequence(0, d), 7 * 4);
}

}  // namespace
}  // namespace quantc
