// Tests for the zero-anchored power-of-two histogram: the chosen width is
// the smallest that fits, growth merges bins exactly, and the result is the
// same however the data is split into batches.
#include "quant/histogram.h"

#include <cmath>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace quantc {
namespace {

std::vector<uint64_t> Counts(const Histogram& h) {
  return std::vector<uint64_t>(h.counts().begin(), h.counts().end());
}

void ExpectSameHistogram(const Histogram& a, const Histogram& b) {
  EXPECT_EQ(a.total(), b.total());
  EXPECT_EQ(a.min(), b.min());
  EXPECT_EQ(a.max(), b.max());
  EXPECT_EQ(a.exponent(), b.exponent());
  EXPECT_EQ(a.first_index(), b.first_index());
  EXPECT_EQ(Counts(a), Counts(b));
}

TEST(Histogram, SmallestFittingPowerOfTwoWidth) {
  Histogram h(16);
  h.Add({0.0f, 1.0f});
  // Width 1/8 spans grid bins 0..8 (9 bins); 1/16 would need 17 > 16.
  EXPECT_EQ(h.exponent(), -3);
  EXPECT_EQ(h.first_index(), 0);
  EXPECT_EQ(h.counts()[0], 1u);
  EXPECT_EQ(h.counts()[8], 1u);
  // Zero is a bin edge: -0.1 lands in grid bin -1.
  h.Add({-0.1f});
  EXPECT_EQ(h.exponent(), -3);
  EXPECT_EQ(h.first_index(), -1);
  EXPECT_EQ(h.counts()[0], 1u);
  EXPECT_EQ(h.counts()[1], 1u);
}

TEST(Histogram, GrowthMergesPairsExactly) {
  Histogram h(16);
  h.Add({0.0f, 0.1f, 0.3f, 0.9f});
  EXPECT_EQ(h.exponent(), -4);  // [0, 0.9] fits 16 bins of 1/16
  h.Add({1.5f});                // needs width 1/8 now: bins merge in pairs
  EXPECT_EQ(h.exponent(), -3);
  Histogram once(16);
  once.Add({0.0f, 0.1f, 0.3f, 0.9f, 1.5f});
  ExpectSameHistogram(h, once);
}

TEST(Histogram, BatchSplitDoesNotMatter) {
  std::mt19937 rng(7);
  std::normal_distribution<float> gauss(0.5f, 2.0f);
  std::vector<float> data(5000);
  for (float& v : data) v = gauss(rng);
  data[4000] = -60.0f;  // late outlier: forces several doublings
  Histogram once(256);
  once.Add(data);
  for (size_t batch : {1u, 3u, 64u, 999u}) {
    Histogram streamed(256);
    for (size_t i = 0; i < data.size(); i += batch) {
      streamed.Add(absl::MakeConstSpan(data).subspan(i, batch));
    }
    ExpectSameHistogram(streamed, once);
  }
  // Grown from a tiny first batch, too.
  Histogram tiny_first(256);
  tiny_first.Add({0.0f});
  tiny_first.Add({1e-30f});
  tiny_first.Add(data);
  Histogram tiny_once(256);
  std::vector<float> all = {0.0f, 1e-30f};
  all.insert(all.end(), data.begin(), data.end());
  tiny_once.Add(all);
  ExpectSameHistogram(tiny_first, tiny_once);
}

TEST(Histogram, ExtremeMagnitudesStayExact) {
  Histogram h(64);
  h.Add({1e30f, 1e30f});  // constant far from zero: one bin, no overflow
  EXPECT_EQ(h.total(), 2u);
  EXPECT_EQ(h.Quantile(0.5), static_cast<double>(1e30f));
  h.Add({-3e38f, 3e38f});
  EXPECT_EQ(h.min(), -3e38f);
  EXPECT_EQ(h.max(), 3e38f);
  uint64_t sum = 0;
  for (uint64_t c : h.counts()) sum += c;
  EXPECT_EQ(sum, 4u);
  Histogram zeros(64);
  zeros.Add({0.0f, 0.0f, 0.0f});
  EXPECT_EQ(zeros.exponent(), Histogram::kMinExponent);
  EXPECT_EQ(zeros.Quantile(0.99), 0.0);
}

TEST(Histogram, QuantileInterpolatesWithinClampedBins) {
  Histogram h(64);
  std::vector<float> data;
  for (int i = 0; i < 1000; ++i) data.push_back((i + 0.5f) / 1000.0f);  // uniform on (0, 1)
  h.Add(data);
  EXPECT_EQ(h.Quantile(0.0), static_cast<double>(data.front()));
  EXPECT_EQ(h.Quantile(1.0), static_cast<double>(data.back()));
  EXPECT_NEAR(h.Quantile(0.5), 0.5, 2e-3);
  EXPECT_NEAR(h.Quantile(0.1), 0.1, 2e-3);
  EXPECT_NEAR(h.Quantile(0.999), 0.999, 2e-3);
}

TEST(Histogram, CountsExactZerosSeparately) {
  Histogram h(64);
  h.Add({0.0f, -0.0f, 1e-20f, -1e-20f, 1.0f});
  EXPECT_EQ(h.zeros(), 2u);
  EXPECT_EQ(h.total(), 5u);
}

TEST(Histogram, EmptyHasNoData) {
  Histogram h(64);
  h.Add({});
  EXPECT_TRUE(h.empty());
  EXPECT_EQ(h.Quantile(0.5), 0.0);
}

}  // namespace
}  // namespace quantc
