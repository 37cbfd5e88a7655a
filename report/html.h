// The pieces of quantc's HTML reports: one self-contained page (inline CSS,
// inline SVG, no script, no web font, nothing fetched), readable at 1280 px
// and printable. Every report page (quantize, compile, train) is built from
// these, so they look alike and print alike.
#ifndef QUANTC_REPORT_HTML_H_
#define QUANTC_REPORT_HTML_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace quantc::report {

/// `s` with & < > " ' escaped, for text and attribute values.
std::string Escape(absl::string_view s);

/// A number as the JSON reports write it ("%.6g"; "inf"/"-inf"; "null" for
/// NaN, unquoted here), so a page can carry the exact value it rounds.
std::string JsonNumber(double v);
/// A number inside a JSON document: JsonNumber, with infinities as the
/// strings "inf"/"-inf" (JSON has no infinity).
std::string JsonValue(double v);
/// `v` with `decimals` digits after the point; "∞" for +inf.
std::string Fixed(double v, int decimals);
/// `v` with 4 significant digits (scales, ranges).
std::string Short(double v);

/// One table cell: its text, and optionally the exact value it shows
/// (data-v, for tests and tools) and a class ("num" right-aligns).
struct Cell {
  std::string html;  ///< already escaped
  std::string exact;
  std::string cls;
};
Cell Text(absl::string_view text, std::string cls = "");
/// A numeric cell showing `shown` for the exact JSON value `exact`.
Cell Number(std::string shown, std::string exact);

/// A <table> (inside a horizontally scrollable box on screen) with `id`.
std::string Table(absl::string_view id, const std::vector<std::string>& header,
                  const std::vector<std::vector<Cell>>& rows);

/// A summary card: a label and a value.
std::string Card(absl::string_view label, absl::string_view value);

/// A whole page: `title`, a subtitle line, then the sections (each already
/// HTML, normally a <section> from Section()).
std::string Page(absl::string_view title, absl::string_view subtitle,
                 const std::vector<std::string>& sections);

/// <section id=...><h2>heading</h2>intro paragraph?body</section>.
std::string Section(absl::string_view id, absl::string_view heading, absl::string_view intro,
                    absl::string_view body);

}  // namespace quantc::report

#endif  // QUANTC_REPORT_HTML_H_
