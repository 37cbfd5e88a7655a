// Inline SVG charts for the HTML reports, drawn by quantc itself (no chart
// library, no script): horizontal bars, histograms and line charts. Output
// is deterministic text (fixed decimals), sized by a viewBox so it scales
// to its column on screen and on paper. Classes name the CSS colours in
// report/html.cc.
#ifndef QUANTC_REPORT_SVG_H_
#define QUANTC_REPORT_SVG_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace quantc::report {

struct Bar {
  std::string label;       ///< left of the bar (shortened if long; full in a tooltip)
  double value = 0;        ///< +inf draws a full bar
  std::string value_text;  ///< right of the bar
  std::string cls;         ///< "good", "warn", "bad"
  std::string exact;       ///< data-value, the exact number the bar shows
};

/// One row per bar, each a <rect class="bar CLS" data-label=... data-value=...>,
/// on an axis from min(0, smallest value) to `axis_max` (larger values are
/// drawn to the end) titled `axis_label`. `id` goes on the <svg>.
std::string BarChart(absl::string_view id, const std::vector<Bar>& bars, double axis_max,
                     absl::string_view axis_label);

struct HistogramData {
  std::vector<int64_t> counts;  ///< equal bins over [lo, hi)
  double lo = 0, hi = 0;
  int64_t below = 0, above = 0;  ///< drawn as red bars beyond the ends
  std::vector<double> markers;   ///< dashed vertical lines (e.g. observed min/max)
  std::string axis_label;
};

/// A small histogram (a small multiple, about 270 px wide), bar heights
/// log(1 + count) scaled to the largest, with the range's ends labelled.
std::string HistogramChart(const HistogramData& h);

struct Series {
  std::string name;
  std::vector<std::pair<double, double>> points;  ///< (x, y), x increasing
};

/// Lines with dots and a legend; axes from the data's ranges, y from 0 when
/// all values are positive and `y_from_zero` (else from the tick below the
/// smallest value: accuracies near 100% stay apart). `id` goes on the <svg>.
std::string LineChart(absl::string_view id, const std::vector<Series>& series,
                      absl::string_view x_label, absl::string_view y_label,
                      bool y_from_zero = true);

/// Ticks 1, 2 or 5 x 10^k apart covering [lo, hi], about `count` of them.
std::vector<double> NiceTicks(double lo, double hi, int count);

}  // namespace quantc::report

#endif  // QUANTC_REPORT_SVG_H_
