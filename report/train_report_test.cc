// The training report: the JSON document's fields written as documented
// (epoch 0 without a loss, no validation as null, exact SQNR as "inf"), and
// the page carrying the same numbers, with no timing anywhere (the report
// of a run is deterministic).
#include "report/train_report.h"

#include <cmath>
#include <string>

#include "gtest/gtest.h"
#include "report/testing.h"

namespace quantc::report {
namespace {

TrainReportDoc Doc() {
  TrainReportDoc d;
  d.target = "tinpu";
  d.metric = "top1";
  d.settings = {{"epochs", "2"}, {"lr", "0.0003"}};
  d.epochs = {{0, std::nullopt, 91.5, std::nullopt, 3e-4, false, false},
              {1, 0.25, 95.25, std::nullopt, 1.5e-4, true, false},
              {2, 0.125, 96, std::nullopt, 0, true, true}};
  d.final_data = "train";
  d.float_metric = 97;
  d.fake_quant_metric = 96;
  d.emitted_metric = 96;
  d.layers = {{"conv1_out", 31.5}, {"logits", INFINITY}};
  d.diagnostics = {
      {Diagnostic::Severity::kWarning, "node 'c' (Conv)", "scale repaired", std::nullopt}};
  d.float_model.model = "models/m.onnx";
  return d;
}

TEST(TrainReport, Json) {
  const std::string j = TrainReportJson(Doc());
  EXPECT_NE(j.find("{\"epoch\":0,\"loss\":null,\"train\":91.5,\"val\":null,\"lr\":0.0003,"
                   "\"bn_frozen\":false,\"observers_frozen\":false}"),
            std::string::npos)
      << j;
  EXPECT_NE(j.find("{\"epoch\":2,\"loss\":0.125,\"train\":96,\"val\":null,\"lr\":0,"
                   "\"bn_frozen\":true,\"observers_frozen\":true}"),
            std::string::npos)
      << j;
  EXPECT_NE(j.find("\"final\":{\"data\":\"train\",\"float\":97,\"fake_quant\":96,\"emitted\":96}"),
            std::string::npos);
  EXPECT_NE(j.find("{\"tensor\":\"logits\",\"sqnr_db\":\"inf\"}"), std::string::npos);
  EXPECT_NE(j.find("\"settings\":{\"epochs\":\"2\",\"lr\":\"0.0003\"}"), std::string::npos);
  EXPECT_NE(j.find("\"severity\":\"warning\""), std::string::npos);
  EXPECT_EQ(j.find("seconds"), std::string::npos);
}

TEST(TrainReport, Html) {
  const std::string h = TrainReportHtml(Doc());
  EXPECT_NE(h.find("<title>Training report: m.onnx</title>"), std::string::npos)
      << h.substr(0, 400);
  EXPECT_NE(h.find("id=\"loss-curve\""), std::string::npos);
  EXPECT_NE(h.find("id=\"metric-curve\""), std::string::npos);
  EXPECT_EQ(Count(h, "<rect class=\"bar "), 2);  // one bar per tensor
  EXPECT_NE(h.find("data-v=\"31.5\">31.50</td>"), std::string::npos);
  EXPECT_NE(h.find("data-v=\"inf\">exact</td>"), std::string::npos);
  EXPECT_NE(h.find("96.00%"), std::string::npos);  // the fake-quant card
  EXPECT_NE(h.find("id=\"diagnostic-table\""), std::string::npos);
  EXPECT_EQ(h.find("<script"), std::string::npos);
}

}  // namespace
}  // namespace quantc::report
