#include "report/html.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/version.h"
#include "fmt/format.h"

namespace quantc::report {
namespace {

// System fonts only (no web font is fetched); tabular figures keep number
// columns aligned; charts scale to the column (viewBox + width 100%).
// Print: no page-wide margins of our own, tables and figures unbroken.
constexpr char kStyle[] = R"css(
:root { --fg: #1d2330; --muted: #5b6473; --line: #d9dee7; --panel: #f5f7fa;
  --accent: #2f6fd6; --good: #2e9e5b; --warn: #d98b1e; --bad: #c8412f; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; color: var(--fg); background: #fff;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 32px 48px; }
h1 { font-size: 22px; margin: 0 0 2px; }
h2 { font-size: 17px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
p { margin: 4px 0 10px; max-width: 900px; }
.sub, .muted { color: var(--muted); }
.cards { margin-top: 14px; display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.card .k { color: var(--muted); font-size: 12px; }
.card .v { font-size: 18px; font-weight: 600; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; font-size: 13px; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.name { overflow-wrap: anywhere; max-width: 420px; }
tr.warning td { background: #fff4e0; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(270px, 1fr)); gap: 12px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(380px, 1fr)); gap: 12px; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 6px 8px; }
figcaption { font-size: 12px; color: var(--muted); overflow-wrap: anywhere; }
figcaption b { color: var(--fg); font-weight: 600; }
svg { display: block; width: 100%; height: auto; }
svg text { font: 11px system-ui, sans-serif; fill: var(--fg); }
svg .axis { stroke: var(--muted); stroke-width: 1; }
svg .gridline { stroke: var(--line); stroke-width: 1; }
svg .good { fill: var(--good); } svg .warn { fill: var(--warn); } svg .bad { fill: var(--bad); }
svg .bin { fill: var(--accent); } svg .clip { fill: var(--bad); }
svg .marker { stroke: var(--fg); stroke-width: 1; stroke-dasharray: 3 2; }
svg .series0 { stroke: var(--accent); fill: var(--accent); }
svg .series1 { stroke: var(--warn); fill: var(--warn); }
svg .series2 { stroke: var(--good); fill: var(--good); }
svg .line { fill: none; stroke-width: 2; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
@media print {
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  figure, .card, tr, svg { break-inside: avoid; }
  .scroll { overflow: visible; }
  table { font-size: 11px; }
  th, td { padding: 2px 4px; }
  td.num { white-space: normal; }
  td { overflow-wrap: anywhere; }
}
@page { margin: 12mm; }
)css";

}  // namespace

std::string Escape(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string JsonNumber(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (std::isnan(v)) return "null";
  return fmt::format("{:.6g}", v);
}

std::string JsonValue(double v) {
  std::string s = JsonNumber(v);
  return s == "inf" || s == "-inf" ? absl::StrCat("\"", s, "\"") : s;
}

std::string Fixed(double v, int decimals) {
  if (std::isinf(v)) return v > 0 ? "∞" : "-∞";
  if (std::isnan(v)) return "–";
  return fmt::format("{:.{}f}", v, decimals);
}

std::string Short(double v) {
  if (!std::isfinite(v)) return Fixed(v, 0);
  return fmt::format("{:.4g}", v);
}

Cell Text(absl::string_view text, std::string cls) { return {Escape(text), "", std::move(cls)}; }

Cell Number(std::string shown, std::string exact) {
  return {Escape(shown), std::move(exact), "num"};
}

std::string Table(absl::string_view id, const std::vector<std::string>& header,
                  const std::vector<std::vector<Cell>>& rows) {
  std::string out = absl::StrCat("<div class=\"scroll\"><table id=\"", Escape(id), "\"><thead><tr>");
  for (const std::string& h : header) absl::StrAppend(&out, "<th>", Escape(h), "</th>");
  absl::StrAppend(&out, "</tr></thead><tbody>\n");
  for (const auto& row : rows) {
    out += "<tr>";
    for (const Cell& c : row) {
      absl::StrAppend(&out, "<td", c.cls.empty() ? "" : absl::StrCat(" class=\"", c.cls, "\""),
                      c.exact.empty() ? "" : absl::StrCat(" data-v=\"", Escape(c.exact), "\""),
                      ">", c.html, "</td>");
    }
    out += "</tr>\n";
  }
  absl::StrAppend(&out, "</tbody></table></div>\n");
  return out;
}

std::string Card(absl::string_view label, absl::string_view value) {
  return absl::StrCat("<div class=\"card\"><div class=\"k\">", Escape(label),
                      "</div><div class=\"v\">", Escape(value), "</div></div>");
}

std::string Page(absl::string_view title, absl::string_view subtitle,
                 const std::vector<std::string>& sections) {
  return absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"generator\" content=\"quantc ", kQuantcVersion, "\">\n<title>",
      Escape(title), "</title>\n<style>", kStyle, "</style></head>\n<body><main>\n<h1>",
      Escape(title), "</h1>\n<div class=\"sub\">", Escape(subtitle), "</div>\n",
      absl::StrJoin(sections, "\n"), "\n<footer>Written by quantc ", kQuantcVersion,
      ". Self-contained: no scripts, fonts or images are fetched.</footer>\n</main></body></html>\n");
}

std::string Section(absl::string_view id, absl::string_view heading, absl::string_view intro,
                    absl::string_view body) {
  return absl::StrCat("<section id=\"", Escape(id), "\"><h2>", Escape(heading), "</h2>",
                      intro.empty() ? "" : absl::StrCat("<p>", intro, "</p>"), body,
                      "</section>");
}

}  // namespace quantc::report
