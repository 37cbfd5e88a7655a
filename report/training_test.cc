// The training section: one point per epoch per series, values exact in the
// DOM, accuracy charted in percent.
#include "report/training.h"

#include <string>

#include "gtest/gtest.h"
#include "report/testing.h"

namespace quantc::report {
namespace {

TEST(Training, CurvesAndTable) {
  std::vector<EpochRecord> epochs = {{0, std::nullopt, 90, 88, 3e-4, false, false},
                                     {1, 0.40, 95, 93, 1.5e-4, true, false},
                                     {2, 0.30, 97, 94, 0, true, true}};
  const std::string s = TrainingSection(epochs, "top1");
  const size_t loss = s.find("id=\"loss-curve\""), metric = s.find("id=\"metric-curve\"");
  ASSERT_NE(loss, std::string::npos);
  ASSERT_NE(metric, std::string::npos);
  // Loss has no epoch 0 point; the metric chart has train and validation.
  EXPECT_EQ(Count(s.substr(loss, metric - loss), "<circle"), 2);
  EXPECT_EQ(Count(s.substr(metric), "<circle"), 6);
  EXPECT_NE(s.find("data-x=\"2\" data-y=\"97\""), std::string::npos);  // percent
  EXPECT_NE(s.find("data-v=\"94\">94.00%</td>"), std::string::npos) << s;
  EXPECT_NE(s.find("data-v=\"0.00015\">"), std::string::npos) << s;  // learning rate
  EXPECT_NE(s.find("<td>BN+observers</td>"), std::string::npos) << s;
  EXPECT_EQ(Count(s, "<tr>"), 4);  // header + 3 epochs
}

TEST(Training, MseWithoutValidation) {
  const std::string s =
      TrainingSection({{0, std::nullopt, 0.5, std::nullopt}, {1, 0.2, 0.25, std::nullopt}}, "mse");
  EXPECT_EQ(Count(s, "data-series="), 2);  // loss + train MSE, no validation line
  EXPECT_NE(s.find("data-x=\"1\" data-y=\"0.25\""), std::string::npos);
}

}  // namespace
}  // namespace quantc::report
