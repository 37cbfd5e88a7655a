#include "report/imported_report.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fmt/format.h"
#include "report/html.h"
#include "report/quantize_report.h"
#include "report/sections.h"
#include "util/json.h"

namespace quantc::report {
namespace {

// SQNR against the imported model, capped: an exact match is 200 dB.
double Capped(double db) { return std::min(db, 200.0); }

std::string QuantizationSection(const std::vector<TensorQuantization>& ts) {
  std::vector<std::vector<Cell>> rows;
  for (const TensorQuantization& t : ts) {
    const std::string scale = t.scale_min == t.scale_max
                                  ? Short(t.scale_min)
                                  : absl::StrCat(Short(t.scale_min), "–", Short(t.scale_max));
    const std::string zp = t.zero_point_min == t.zero_point_max
                               ? absl::StrCat(t.zero_point_min)
                               : absl::StrCat(t.zero_point_min, "–", t.zero_point_max);
    rows.push_back({Text(t.name, "name"), Text(t.kind), Text(t.layer, "name"),
                    Text(DTypeName(t.storage)), Number(absl::StrCat(t.bits), absl::StrCat(t.bits)),
                    Text(absl::StrCat(t.qmin, "..", t.qmax)), Text(t.scheme),
                    Number(t.channels > 1 ? absl::StrCat(t.channels, " (axis ", t.axis, ")") : "1",
                           absl::StrCat(t.channels)),
                    Number(scale + (t.power_of_two ? " (2^k)" : ""), fmt::format("{:.9g}", t.scale_max)),
                    Number(zp, absl::StrCat(t.zero_point_max))});
  }
  return Section("quantization", "The model's own quantization",
                 "Every quantized activation, weight and bias as the model carries it (kept by "
                 "quantc, which re-targets it rather than re-quantizing).",
                 Table("quantization-table",
                       {"tensor", "kind", "layer", "type", "bits", "integer range", "scheme",
                        "channels", "scale", "zero point"},
                       rows));
}

}  // namespace

std::string ToJson(const ImportedReportDoc& doc) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"target", doc.tinpu ? "\"tinpu\"" : "\"generic\""},
      {"source", "\"imported quantized model\""},
      {"weight_bits", absl::StrCat(doc.weight_bits)},
      {"quantization", QuantizationToJson(doc.quantization)},
      {"diagnostics", DiagnosticsJson(doc.diagnostics)}};
  if (doc.outputs) {
    std::vector<std::string> rows;
    for (const auto& [name, db] : *doc.outputs) {
      rows.push_back(absl::StrCat("{\"name\":", JsonString(name),
                                  ",\"sqnr_db_vs_imported\":", Capped(db), "}"));
    }
    fields.push_back({"samples", absl::StrCat(doc.samples)});
    fields.push_back({"outputs", absl::StrCat("[", absl::StrJoin(rows, ","), "]")});
  }
  if (doc.has_npu) fields.push_back({"npu", tinpu::EligibilityToJson(doc.npu, doc.npu_bits)});
  std::vector<std::string> parts;
  for (const auto& [k, v] : fields) parts.push_back(absl::StrCat(JsonString(k), ":", v));
  return absl::StrCat("{", absl::StrJoin(parts, ",\n "), "}\n");
}

std::string ToText(const ImportedReportDoc& doc) {
  std::string out = doc.has_npu ? tinpu::EligibilityToText(doc.npu, doc.npu_bits) : "";
  return out + QuantizationToText(doc.quantization);
}

std::string ToHtml(const ImportedReportDoc& doc) {
  std::string cards = absl::StrCat("<div class=\"cards\">", Card("target", doc.tinpu ? "tinpu" : "generic"),
                                   Card("source", "quantized elsewhere"),
                                   Card("weight bits", absl::StrCat(doc.weight_bits)),
                                   Card("quantized tensors", absl::StrCat(doc.quantization.size())));
  if (doc.outputs) {
    for (const auto& [name, db] : *doc.outputs) {
      absl::StrAppend(&cards, Card(absl::StrCat("output '", name, "' vs imported"),
                                   Capped(db) >= 200 ? "exact" : Fixed(db, 2) + " dB"));
    }
  }
  int warnings = 0;
  for (const Diagnostic& d : doc.diagnostics) warnings += d.severity == Diagnostic::Severity::kWarning;
  absl::StrAppend(&cards, Card("warnings", absl::StrCat(warnings)), "</div>");
  std::vector<std::string> sections = {cards, QuantizationSection(doc.quantization),
                                       DiagnosticSection(doc.diagnostics)};
  if (doc.has_npu) sections.push_back(NpuSection(doc.npu, doc.npu_bits));
  const size_t slash = doc.model.rfind('/');
  return Page(absl::StrCat("Quantization report: ",
                           slash == std::string::npos ? doc.model : doc.model.substr(slash + 1)),
              absl::StrCat(doc.model, " · quantized elsewhere, re-targeted to ",
                           doc.tinpu ? "tinpu" : "generic"),
              sections);
}

}  // namespace quantc::report
