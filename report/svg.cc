#include "report/svg.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "fmt/format.h"
#include "report/html.h"

namespace quantc::report {
namespace {

// Coordinates with one decimal: enough at these sizes, and byte-stable.
std::string F(double v) { return fmt::format("{:.1f}", v); }

std::string TickText(double v) {
  if (v == 0) return "0";
  return fmt::format("{:g}", v);
}

// Labels longer than `max` characters keep their end (layer names differ
// there: "/features/features.3/Conv").
std::string Shorten(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  return "…" + s.substr(s.size() - (max - 1));
}

std::string SvgOpen(absl::string_view id, double w, double h, absl::string_view label) {
  return absl::StrCat("<svg", id.empty() ? "" : absl::StrCat(" id=\"", Escape(id), "\""),
                      " viewBox=\"0 0 ", F(w), " ", F(h), "\" role=\"img\" aria-label=\"",
                      Escape(label), "\" xmlns=\"http://www.w3.org/2000/svg\">");
}

std::string Label(double x, double y, absl::string_view anchor, absl::string_view text) {
  return absl::StrCat("<text x=\"", F(x), "\" y=\"", F(y), "\" text-anchor=\"", anchor, "\">",
                      Escape(text), "</text>");
}

}  // namespace

std::vector<double> NiceTicks(double lo, double hi, int count) {
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return {lo};
  const double raw = (hi - lo) / std::max(count, 1);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * mag;
    if (step >= raw / 1.5) break;  // "about count": the nearest of 1, 2, 5
  }
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) {
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  }
  return ticks;
}

std::string BarChart(absl::string_view id, const std::vector<Bar>& bars, double axis_max,
                     absl::string_view axis_label) {
  constexpr double kW = 1000, kLabel = 300, kRight = 70, kRow = 20, kTop = 8, kAxis = 34;
  const double h = kTop + kRow * static_cast<double>(bars.size()) + kAxis;
  double lo = 0;
  for (const Bar& b : bars) {
    if (std::isfinite(b.value)) lo = std::min(lo, b.value);
  }
  const double hi = std::max(axis_max, lo + 1);
  const double x0 = kLabel + 10, x1 = kW - kRight;
  auto X = [&](double v) { return x0 + (std::clamp(v, lo, hi) - lo) / (hi - lo) * (x1 - x0); };
  std::string out = SvgOpen(id, kW, h, axis_label);
  const double bottom = kTop + kRow * static_cast<double>(bars.size());
  for (double t : NiceTicks(lo, hi, 8)) {
    absl::StrAppend(&out, "<line class=\"gridline\" x1=\"", F(X(t)), "\" y1=\"", F(kTop), "\" x2=\"",
                    F(X(t)), "\" y2=\"", F(bottom), "\"/>", Label(X(t), bottom + 14, "middle", TickText(t)));
  }
  for (size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const double y = kTop + kRow * static_cast<double>(i);
    const double xa = X(std::min(0.0, b.value)), xb = X(std::max(0.0, b.value));
    absl::StrAppend(&out, "<g><title>", Escape(b.label), ": ", Escape(b.value_text), "</title>",
                    Label(kLabel, y + 14, "end", Shorten(b.label, 46)), "<rect class=\"bar ", b.cls,
                    "\" data-label=\"", Escape(b.label), "\" data-value=\"", Escape(b.exact),
                    "\" x=\"", F(xa), "\" y=\"", F(y + 3), "\" width=\"", F(std::max(xb - xa, 1.0)),
                    "\" height=\"", F(kRow - 6), "\"/>", Label(xb + 4, y + 14, "start", b.value_text),
                    "</g>");
  }
  absl::StrAppend(&out, "<line class=\"axis\" x1=\"", F(X(0)), "\" y1=\"", F(kTop), "\" x2=\"",
                  F(X(0)), "\" y2=\"", F(bottom), "\"/>",
                  Label((x0 + x1) / 2, h - 4, "middle", axis_label), "</svg>");
  return out;
}

std::string HistogramChart(const HistogramData& hd) {
  constexpr double kW = 270, kH = 96, kPad = 12, kTop = 6, kBase = 70;
  const double x0 = kPad + 8, x1 = kW - kPad - 8;  // room for the clipped bars
  int64_t peak = std::max(hd.below, hd.above);
  for (int64_t c : hd.counts) peak = std::max(peak, c);
  // Log heights: a ReLU's zeros would otherwise flatten every other bin.
  auto Y = [&](int64_t c) {
    return peak > 0 ? (kBase - kTop) * std::log1p(static_cast<double>(c)) /
                          std::log1p(static_cast<double>(peak))
                    : 0.0;
  };
  std::string out = SvgOpen("", kW, kH, hd.axis_label);
  const double n = std::max<double>(1, static_cast<double>(hd.counts.size()));
  const double bw = (x1 - x0) / n;
  for (size_t i = 0; i < hd.counts.size(); ++i) {
    if (hd.counts[i] == 0) continue;
    const double bh = std::max(Y(hd.counts[i]), 0.5);
    absl::StrAppend(&out, "<rect class=\"bin\" x=\"", F(x0 + bw * static_cast<double>(i)), "\" y=\"",
                    F(kBase - bh), "\" width=\"", F(std::max(bw - 0.5, 0.5)), "\" height=\"", F(bh),
                    "\"/>");
  }
  for (const auto& [count, x] : {std::pair{hd.below, x0 - 7}, std::pair{hd.above, x1 + 1}}) {
    if (count == 0) continue;
    const double bh = std::max(Y(count), 1.0);
    absl::StrAppend(&out, "<rect class=\"clip\" x=\"", F(x), "\" y=\"", F(kBase - bh),
                    "\" width=\"6\" height=\"", F(bh), "\"><title>", count,
                    " clipped</title></rect>");
  }
  const double span = hd.hi - hd.lo;
  for (double m : hd.markers) {
    if (!(span > 0) || m < hd.lo || m > hd.hi) continue;
    const double x = x0 + (m - hd.lo) / span * (x1 - x0);
    absl::StrAppend(&out, "<line class=\"marker\" x1=\"", F(x), "\" y1=\"", F(kTop), "\" x2=\"", F(x),
                    "\" y2=\"", F(kBase), "\"/>");
  }
  absl::StrAppend(&out, "<line class=\"axis\" x1=\"", F(x0), "\" y1=\"", F(kBase), "\" x2=\"", F(x1),
                  "\" y2=\"", F(kBase), "\"/>", Label(x0, kBase + 13, "start", Short(hd.lo)),
                  Label(x1, kBase + 13, "end", Short(hd.hi)),
                  Label((x0 + x1) / 2, kBase + 24, "middle", hd.axis_label), "</svg>");
  return out;
}

std::string LineChart(absl::string_view id, const std::vector<Series>& series,
                      absl::string_view x_label, absl::string_view y_label, bool y_from_zero) {
  constexpr double kW = 560, kH = 260, kLeft = 56, kRight = 16, kTop = 28, kBottom = 40;
  double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
  for (const Series& s : series) {
    for (const auto& [x, y] : s.points) {
      if (!std::isfinite(y)) continue;
      xmin = std::min(xmin, x), xmax = std::max(xmax, x);
      ymin = std::min(ymin, y), ymax = std::max(ymax, y);
    }
  }
  if (!(xmax >= xmin)) xmin = 0, xmax = 1, ymin = 0, ymax = 1;
  if (y_from_zero && ymin > 0) ymin = 0;
  if (xmax == xmin) xmax = xmin + 1;
  if (ymax <= ymin) ymax = ymin + 1;
  std::vector<double> yt = NiceTicks(ymin, ymax, 5);
  if (!y_from_zero && yt.size() >= 2) {  // widen to whole ticks around the data
    const double step = yt[1] - yt[0];
    ymin = std::floor(ymin / step + 1e-9) * step;
    yt = NiceTicks(ymin, std::ceil(ymax / step - 1e-9) * step, 5);
  }
  ymax = std::max(ymax, yt.back());
  const double px0 = kLeft, px1 = kW - kRight, py0 = kH - kBottom, py1 = kTop;
  auto X = [&](double x) { return px0 + (x - xmin) / (xmax - xmin) * (px1 - px0); };
  auto Y = [&](double y) { return py0 - (y - ymin) / (ymax - ymin) * (py0 - py1); };
  std::string out = SvgOpen(id, kW, kH, y_label);
  for (double t : yt) {
    absl::StrAppend(&out, "<line class=\"gridline\" x1=\"", F(px0), "\" y1=\"", F(Y(t)), "\" x2=\"",
                    F(px1), "\" y2=\"", F(Y(t)), "\"/>", Label(px0 - 6, Y(t) + 4, "end", TickText(t)));
  }
  for (double t : NiceTicks(xmin, xmax, 8)) {
    absl::StrAppend(&out, Label(X(t), py0 + 14, "middle", TickText(t)));
  }
  for (size_t k = 0; k < series.size(); ++k) {
    const std::string cls = absl::StrCat("series", k % 3);
    std::string path;
    for (const auto& [x, y] : series[k].points) {
      if (!std::isfinite(y)) continue;
      absl::StrAppend(&path, path.empty() ? "M" : " L", F(X(x)), " ", F(Y(y)));
    }
    absl::StrAppend(&out, "<path class=\"line ", cls, "\" data-series=\"", Escape(series[k].name),
                    "\" d=\"", path, "\"/>");
    for (const auto& [x, y] : series[k].points) {
      if (!std::isfinite(y)) continue;
      absl::StrAppend(&out, "<circle class=\"point ", cls, "\" cx=\"", F(X(x)), "\" cy=\"", F(Y(y)),
                      "\" r=\"3\" data-x=\"", JsonNumber(x), "\" data-y=\"", JsonNumber(y),
                      "\"><title>", Escape(series[k].name), " ", JsonNumber(x), ": ",
                      JsonNumber(y), "</title></circle>");
    }
    const double lx = px0 + 10 + 150 * static_cast<double>(k);
    absl::StrAppend(&out, "<rect class=\"", cls, "\" x=\"", F(lx), "\" y=\"8\" width=\"12\" height=\"3\"/>",
                    Label(lx + 16, 14, "start", series[k].name));
  }
  absl::StrAppend(&out, "<line class=\"axis\" x1=\"", F(px0), "\" y1=\"", F(py0), "\" x2=\"", F(px1),
                  "\" y2=\"", F(py0), "\"/>", Label((px0 + px1) / 2, kH - 6, "middle", x_label),
                  "<text x=\"12\" y=\"", F((py0 + py1) / 2), "\" text-anchor=\"middle\" transform=\"rotate(-90 12 ",
                  F((py0 + py1) / 2), ")\">", Escape(y_label), "</text></svg>");
  return out;
}

}  // namespace quantc::report
