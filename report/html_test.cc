// The HTML and SVG building blocks: escaping, number formats shared with the
// JSON reports, chart geometry computed by hand, determinism, and pages that
// fetch nothing.
#include <cmath>
#include <string>

#include "gtest/gtest.h"
#include "report/testing.h"
#include "report/html.h"
#include "report/svg.h"

namespace quantc::report {
namespace {

TEST(Html, EscapesTextAndAttributes) {
  EXPECT_EQ(Escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  const std::string t = Table("t", {"h<"}, {{Text("<script>"), Number("1.5", "1.49999")}});
  EXPECT_EQ(Count(t, "<script>"), 0);
  EXPECT_NE(t.find("<td class=\"num\" data-v=\"1.49999\">1.5</td>"), std::string::npos) << t;
}

TEST(Html, NumbersMatchTheJsonReports) {
  EXPECT_EQ(JsonNumber(0.1234567), "0.123457");
  EXPECT_EQ(JsonNumber(INFINITY), "inf");
  EXPECT_EQ(JsonNumber(NAN), "null");
  EXPECT_EQ(Fixed(31.456, 2), "31.46");
  EXPECT_EQ(Fixed(INFINITY, 2), "∞");
  EXPECT_EQ(Short(0.000123456), "0.0001235");
}

TEST(Html, PageIsSelfContained) {
  const std::string page = Page("T & t", "sub", {Section("s", "S", "intro", BarChart("c", {{"a", 1, "1", "good", "1"}}, 10, "x"))});
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  for (const char* fetch : {"<script", "<link", "src=", "@import", "url(", "http://", "https://"}) {
    // The only URL is the SVG namespace, which is a name, not a fetch.
    if (std::string(fetch) == "http://") {
      EXPECT_EQ(Count(page, fetch), Count(page, "http://www.w3.org/2000/svg")) << fetch;
      continue;
    }
    EXPECT_EQ(Count(page, fetch), 0) << fetch;
  }
  EXPECT_NE(page.find("<title>T &amp; t</title>"), std::string::npos);
  EXPECT_NE(page.find("@media print"), std::string::npos);
}

TEST(Svg, NiceTicks) {
  EXPECT_EQ(NiceTicks(0, 40, 8), (std::vector<double>{0, 5, 10, 15, 20, 25, 30, 35, 40}));
  EXPECT_EQ(NiceTicks(0, 1, 5), (std::vector<double>{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1}));
  EXPECT_EQ(NiceTicks(-3, 7, 4), (std::vector<double>{-2, 0, 2, 4, 6}));
}

TEST(Svg, OneBarPerEntryScaledToTheAxis) {
  // Plot spans x = 310 .. 930 for [0, 40]: 10 dB is 155 px, 40+ the full 620.
  const std::string svg = BarChart("sq", {{"conv1", 10, "10 dB", "bad", "10"},
                                          {"fc", INFINITY, "exact", "good", "inf"},
                                          {"/long/name/" + std::string(60, 'x'), 50, "50", "good", "50"}},
                                   40, "dB");
  EXPECT_EQ(Count(svg, "<rect class=\"bar "), 3);
  EXPECT_NE(svg.find("data-label=\"conv1\" data-value=\"10\" x=\"310.0\" y=\"11.0\" width=\"155.0\""),
            std::string::npos) << svg;
  EXPECT_NE(svg.find("data-value=\"inf\" x=\"310.0\" y=\"31.0\" width=\"620.0\""), std::string::npos);
  EXPECT_NE(svg.find(">…"), std::string::npos);  // long label shortened, full in <title>
  EXPECT_EQ(svg, BarChart("sq", {{"conv1", 10, "10 dB", "bad", "10"},
                                 {"fc", INFINITY, "exact", "good", "inf"},
                                 {"/long/name/" + std::string(60, 'x'), 50, "50", "good", "50"}},
                          40, "dB"));
}

TEST(Svg, NegativeBarsGrowLeftOfZero) {
  // Axis [-10, 30]: zero at 310 + 620 / 4 = 465.
  const std::string svg = BarChart("n", {{"a", -10, "", "bad", "-10"}}, 30, "dB");
  EXPECT_NE(svg.find("x=\"310.0\" y=\"11.0\" width=\"155.0\""), std::string::npos) << svg;
}

TEST(Svg, HistogramShowsBinsClippedMassAndMarkers) {
  HistogramData h{{0, 4, 2, 0}, -1, 1, 1, 0, {0.5}, "value"};
  const std::string svg = HistogramChart(h);
  EXPECT_EQ(Count(svg, "class=\"bin\""), 2);   // empty bins are not drawn
  EXPECT_EQ(Count(svg, "class=\"clip\""), 1);  // one below, none above
  EXPECT_EQ(Count(svg, "class=\"marker\""), 1);
  // Plot x = 20 .. 250, 4 bins of 57.5; the 4-count bin is full height 64,
  // the 2-count one 64 log(3) / log(5) = 43.7.
  EXPECT_NE(svg.find("<rect class=\"bin\" x=\"77.5\" y=\"6.0\" width=\"57.0\" height=\"64.0\"/>"),
            std::string::npos) << svg;
  EXPECT_NE(svg.find("<rect class=\"bin\" x=\"135.0\" y=\"26.3\" width=\"57.0\" height=\"43.7\"/>"),
            std::string::npos) << svg;
  EXPECT_NE(svg.find("x1=\"192.5\""), std::string::npos);  // marker at 0.5
}

TEST(Svg, LineChartPointsCarryTheirValues) {
  const std::string svg = LineChart("l", {{"loss", {{1, 0.5}, {2, 0.25}, {3, NAN}}}}, "epoch", "loss");
  EXPECT_EQ(Count(svg, "<circle"), 2);  // NaN is skipped
  EXPECT_NE(svg.find("data-x=\"2\" data-y=\"0.25\""), std::string::npos);
  EXPECT_NE(svg.find("data-series=\"loss\""), std::string::npos);
}

TEST(Svg, LineChartFromZeroOrAroundTheData) {
  const std::vector<Series> acc = {{"acc", {{1, 91.3}, {2, 96.8}}}};
  const std::string zero = LineChart("a", acc, "epoch", "%");
  const std::string zoom = LineChart("a", acc, "epoch", "%", /*y_from_zero=*/false);
  EXPECT_NE(zero.find(">0</text>"), std::string::npos) << zero;
  EXPECT_EQ(zoom.find(">0</text>"), std::string::npos) << zoom;
  // Whole ticks around the data: 91.3 sits above the lowest, 96.8 below the highest.
  EXPECT_NE(zoom.find(">91</text>"), std::string::npos) << zoom;
  EXPECT_NE(zoom.find(">97</text>"), std::string::npos) << zoom;
}

}  // namespace
}  // namespace quantc::report
