// SimModel on small calibrated graphs (the real calibrate stage):
// * BatchNormalization in training (batch statistics, running statistics
//   updated with ONNX's momentum) and in eval mode, and a Conv whose BN was
//   folded (trained as Conv + BN): gradients of the float model against
//   central finite differences in float64;
// * fake quantization: forward values against hand-computed ones, and the
//   straight-through gradient (1 inside the clip range, 0 outside).
#include "train/sim_model.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ir/onnx_import.h"
#include "train/stages.h"
#include "train/torch_ops.h"

namespace quantc::train {
namespace {

struct Built {
  std::unique_ptr<Graph> g;
  std::unique_ptr<CalibrationData> data;
  std::unique_ptr<SimModel> sim;
};

// Runs the target's calibrate stage on `x` and builds the simulation.
Built Build(const std::string& text, const at::Tensor& x, Target target, bool float64) {
  Built b;
  auto g = ImportModelText(text);
  EXPECT_TRUE(g.ok()) << g.status();
  b.g = std::move(*g);
  auto d = CalibrationData::FromTensors(*b.g, {FromTorch(x)}, {"x"});
  EXPECT_TRUE(d.ok()) << d.status();
  b.data = std::make_unique<CalibrationData>(std::move(*d));
  TrainOptions o;
  o.target = target;
  std::vector<FoldedBatchNorm> folds;
  QatPipeline pipeline(o, b.data.get(), &folds, nullptr);
  EXPECT_TRUE(RunPasses(pipeline.Stages(0).calibrate, *b.g).ok());
  SimOptions so;
  so.target = target;
  so.activations = pipeline.activations();
  so.weight_power2 = pipeline.weight_power2();
  so.float64 = float64;
  auto sim = SimModel::Build(*b.g, std::move(folds), so);
  EXPECT_TRUE(sim.ok()) << sim.status();
  b.sim = std::move(*sim);
  return b;
}

at::Tensor Random(std::vector<int64_t> dims, int seed) {
  at::manual_seed(seed);
  return at::rand(dims, at::kDouble) * 2 - 1;
}

// d sum(y * r) / d (x and every parameter) against central differences.
void CheckGradients(SimModel& sim, const at::Tensor& x0, const RunMode& mode) {
  for (at::Tensor& p : sim.Parameters()) {
    if (p.grad().defined()) p.mutable_grad().zero_();
  }
  at::Tensor x = x0.clone().set_requires_grad(true);
  at::Tensor r = Random(sim.Forward(x0, mode).sizes().vec(), 3);
  (sim.Forward(x, mode) * r).sum().backward();
  std::vector<at::Tensor> leaves = sim.Parameters();
  leaves.push_back(x);
  const double h = 1e-6;
  for (size_t k = 0; k < leaves.size(); ++k) {
    at::Tensor grad = leaves[k].grad();
    ASSERT_TRUE(grad.defined()) << "leaf " << k;
    for (int64_t i = 0; i < leaves[k].numel(); ++i) {
      double f[2];
      for (int s = 0; s < 2; ++s) {
        at::NoGradGuard no_grad;
        double saved = leaves[k].view(-1)[i].item<double>();
        leaves[k].view(-1)[i] = saved + (s ? -h : h);
        f[s] = (sim.Forward(leaves.back().detach(), mode) * r).sum().item<double>();
        leaves[k].view(-1)[i] = saved;
      }
      double fd = (f[0] - f[1]) / (2 * h);
      ASSERT_NEAR(grad.view(-1)[i].item<double>(), fd, 1e-5 * std::max(1.0, std::abs(fd)))
          << "leaf " << k << " element " << i;
    }
  }
}

constexpr char kBn[] = R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[1,3,4] x) => (float[1,3,4] y)
  <float[3] g = {1.5, 0.5, -1}, float[3] b = {0.1, -0.2, 0.3}, float[3] mu = {0.2, 0, -0.1},
   float[3] v = {1, 2, 0.5}> {
  y = BatchNormalization<momentum = 0.8>(x, g, b, mu, v)
})";

TEST(SimModelTest, BatchNormGradientsInTrainingAndEval) {
  at::Tensor x = Random({6, 3, 4}, 1);
  Built b = Build(kBn, x.to(at::kFloat), Target::kGeneric, true);
  RunMode train;
  train.training = true;
  train.fake_quant = false;
  CheckGradients(*b.sim, x, train);
  RunMode eval;
  eval.fake_quant = false;
  CheckGradients(*b.sim, x, eval);
}

TEST(SimModelTest, BatchNormUpdatesRunningStatisticsWithOnnxMomentum) {
  at::Tensor x = Random({6, 3, 4}, 2).to(at::kFloat);
  Built b = Build(kBn, x, Target::kGeneric, false);
  RunMode train;
  train.training = true;
  train.fake_quant = false;
  b.sim->Forward(x, train);
  // running = 0.8 * running + 0.2 * batch mean (ONNX momentum 0.8).
  at::Tensor mean = x.mean(std::vector<int64_t>{0, 2});
  at::Tensor state = b.sim->State()[0];
  EXPECT_NEAR(state[0].item<double>(), 0.8 * 0.2 + 0.2 * mean[0].item<double>(), 1e-6);
  // Frozen BN leaves them alone.
  train.bn_frozen = true;
  b.sim->Forward(x, train);
  EXPECT_NEAR(b.sim->State()[0][0].item<double>(), state[0].item<double>(), 0);
}

TEST(SimModelTest, FoldedConvBnTrainsConvAndBnParameters) {
  const char* text = R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[1,2,5] x) => (float[1,3,5] y)
  <float[3,2,3] w = {0.1, -0.2, 0.3, 0.4, -0.5, 0.6, -0.7, 0.8, 0.9, 1.0, -1.1, 0.2, 0.3, 0.1, -0.4, 0.5, 0.6, -0.3},
   float[3] c = {0.1, 0.2, -0.3}, float[3] g = {1.5, 0.5, 2}, float[3] b = {0.1, -0.2, 0.3},
   float[3] mu = {0.2, 0, -0.1}, float[3] v = {1, 2, 0.5}> {
  t = Conv<pads = [1, 1]>(x, w, c)
  y = BatchNormalization(t, g, b, mu, v)
})";
  at::Tensor x = Random({4, 2, 5}, 4);
  Built b = Build(text, x.to(at::kFloat), Target::kGeneric, true);
  // Conv weight, bias, BN gamma and beta are trained (the fold is undone).
  EXPECT_EQ(b.sim->Parameters().size(), 4u);
  RunMode eval;
  eval.fake_quant = false;
  CheckGradients(*b.sim, x, eval);
}

TEST(SimModelTest, FakeQuantValuesAndStraightThroughGradient) {
  const char* text = R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[1,4] x) => (float[1,4] y) {
  y = Relu(x)
})";
  // Calibrated range [-2, 2] -> generic int8 asymmetric: s = 4/255.
  at::Tensor calib = at::tensor({-2.0f, 2.0f, 0.5f, -0.5f}).view({1, 4});
  Built b = Build(text, calib, Target::kGeneric, false);
  at::Tensor x = at::tensor({0.3f, -3.0f, 1.0f, 5.0f}).view({1, 4}).set_requires_grad(true);
  RunMode eval;
  at::Tensor y = b.sim->Forward(x, eval);
  y.sum().backward();
  const float s_in = 4.0f / 255;
  const int64_t zp = -128 - static_cast<int64_t>(std::nearbyint(-2.0f / s_in));
  auto fq = [&](float v) {
    double q = std::min<double>(127, std::max<double>(-128, std::nearbyint(v / s_in) + zp));
    return static_cast<float>((q - zp) * s_in);
  };
  // Relu output observed over [0, 2]: s = 2/255, zp = -128.
  const float s_out = 2.0f / 255;
  auto fq_out = [&](float v) {
    double q = std::min<double>(255, std::max<double>(0, std::nearbyint(v / s_out)));
    return static_cast<float>(q * s_out);
  };
  const float in[] = {0.3f, -3.0f, 1.0f, 5.0f};
  for (int i = 0; i < 4; ++i) {
    EXPECT_FLOAT_EQ(y[0][i].item<float>(), fq_out(std::max(0.0f, fq(in[i])))) << i;
  }
  // Gradient: 1 where both quantizers pass the value (inside their ranges
  // and above the ReLU), else 0.
  std::vector<float> want = {1, 0, 1, 0};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(x.grad()[0][i].item<float>(), want[i]) << i;
}

TEST(SimModelTest, TinpuInputRoundsHalfUpLikeTheOssBlock) {
  const char* text = R"(<ir_version: 8, opset_import: ["" : 13]>
m (float[1,4] x) => (float[1,4] y) <float[4,4] w = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}> {
  y = MatMul(x, w)
})";
  // Symmetric power-of-two input scale 2^-3 for the range [-15, 15]
  // (127.5 * 2^-3 = 15.9): ties go up as in floor(x / s + 1/2).
  at::Tensor calib = at::tensor({-15.0f, 15.0f, 1.0f, -1.0f}).view({1, 4});
  Built b = Build(text, calib, Target::kTinpu, false);
  RunMode eval;
  eval.fake_quant = true;
  std::vector<at::Tensor> observed;
  eval.observed = &observed;
  b.sim->Forward(at::tensor({0.0625f, -0.0625f, 0.1875f, -0.1875f}).view({1, 4}), eval);
  // x / s = 0.5, -0.5, 1.5, -1.5 -> 1, 0, 2, -1 (PyTorch's round: 0, 0, 2, -2).
  at::Tensor q = observed[0] / 0.125f;
  EXPECT_EQ(q[0][0].item<float>(), 1);
  EXPECT_EQ(q[0][1].item<float>(), 0);
  EXPECT_EQ(q[0][2].item<float>(), 2);
  EXPECT_EQ(q[0][3].item<float>(), -1);
}

}  // namespace
}  // namespace quantc::train
