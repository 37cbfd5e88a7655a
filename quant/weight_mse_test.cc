#include "quant/weight_mse.h"

#include <cmath>

#include "gtest/gtest.h"
#include "quant/qparams.h"

namespace quantc {
namespace {

double Mse(const std::vector<float>& w, float s, int64_t qmax) {
  double e = 0;
  for (float x : w) {
    double q = std::min<double>(std::max<double>(std::nearbyint(x / s), -qmax), qmax);
    e += (x - s * q) * (x - s * q);
  }
  return e;
}

TEST(WeightScalesMse, TernaryBeatsMinMaxOnGaussianWeights) {
  std::vector<float> w;
  for (int i = 0; i < 512; ++i) w.push_back(static_cast<float>(std::sin(i * 0.7) * std::exp(std::cos(i * 1.3))));
  Tensor t = Tensor::FromVector<float>({1, 512}, w);
  auto mm = WeightScales(t, 0, 2, false, false);
  auto mse = WeightScalesMse(t, 0, 2, false, false);
  ASSERT_TRUE(mm.ok() && mse.ok());
  EXPECT_LT((*mse)[0], (*mm)[0]);                               // clips the largest weights
  EXPECT_LT(Mse(w, (*mse)[0], 1), 0.8 * Mse(w, (*mm)[0], 1));  // and reconstructs better
}

TEST(WeightScalesMse, NeverWorseAndPerChannel) {
  // Channel 0 is uniform (min/max is already optimal-ish), channel 1 has an
  // outlier that min/max must cover.
  std::vector<float> w = {0.1f, -0.2f, 0.3f, -0.4f, 0.01f, -0.02f, 0.03f, 5.0f};
  Tensor t = Tensor::FromVector<float>({2, 4}, w);
  for (int bits : {8, 4, 2}) {
    auto mm = WeightScales(t, 0, bits, false, false);
    auto mse = WeightScalesMse(t, 0, bits, false, false);
    ASSERT_TRUE(mm.ok() && mse.ok());
    int64_t qmax = (1 << (bits - 1)) - 1;
    for (int c = 0; c < 2; ++c) {
      std::vector<float> ch(w.begin() + 4 * c, w.begin() + 4 * c + 4);
      EXPECT_LE(Mse(ch, (*mse)[c], qmax), Mse(ch, (*mm)[c], qmax)) << bits << " " << c;
    }
  }
}

TEST(WeightScalesMse, Power2StaysPowerOfTwo) {
  std::vector<float> w;
  for (int i = 0; i < 64; ++i) w.push_back(static_cast<float>(std::tan(i * 0.05)));
  auto s = WeightScalesMse(Tensor::FromVector<float>({1, 64}, w), 0, 4, false, true);
  ASSERT_TRUE(s.ok());
  int e;
  EXPECT_EQ(std::frexp((*s)[0], &e), 0.5f);
}

}  // namespace
}  // namespace quantc
