#include "report/train_report.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "report/html.h"
#include "report/quantize_report.h"
#include "report/sections.h"
#include "report/svg.h"
#include "util/json.h"

namespace quantc::report {
namespace {

std::string Num(double v) { return JsonValue(v); }

std::string Optional(const std::optional<double>& v) { return v ? Num(*v) : "null"; }

std::string Bool(bool b) { return b ? "true" : "false"; }

std::string Metric(const TrainReportDoc& doc, double v) {
  return doc.metric == "top1" ? Fixed(v, 2) + "%" : absl::StrCat("MSE ", Short(v));
}

std::string Cards(const TrainReportDoc& doc) {
  const std::string on = doc.final_data == "val" ? "validation data" : "training data";
  int warnings = 0;
  for (const Diagnostic& d : doc.diagnostics)
    warnings += d.severity == Diagnostic::Severity::kWarning;
  return absl::StrCat(
      "<div class=\"cards\" id=\"final\">", Card("target", doc.target),
      Card("epochs", absl::StrCat(doc.epochs.empty() ? 0 : doc.epochs.back().epoch)),
      Card(absl::StrCat("float (", on, ")"), Metric(doc, doc.float_metric)),
      Card(absl::StrCat("fake-quant (", on, ")"), Metric(doc, doc.fake_quant_metric)),
      Card(absl::StrCat("emitted (", on, ")"), Metric(doc, doc.emitted_metric)),
      Card("quantized tensors", absl::StrCat(doc.layers.size())),
      Card("warnings", absl::StrCat(warnings)), "</div>");
}

std::string LayerSection(const TrainReportDoc& doc) {
  std::vector<Bar> bars;
  std::vector<std::vector<Cell>> rows;
  double axis = 40;
  for (const auto& [tensor, db] : doc.layers) {
    if (std::isfinite(db)) axis = std::max(axis, std::ceil(db / 10) * 10);
    const std::string shown = std::isinf(db) && db > 0 ? "exact" : Fixed(db, 2);
    const std::string cls = db >= 30 ? "good" : db >= 20 ? "warn" : "bad";
    bars.push_back({tensor, db, shown == "exact" ? shown : shown + " dB", cls, JsonNumber(db)});
    rows.push_back({Text(tensor, "name"), Number(shown, JsonNumber(db))});
  }
  return Section(
      "layers", "Per-tensor SQNR after training",
      "Signal-to-quantization-noise ratio of each quantized tensor of the trained fake-quant "
      "model against the float model with the same trained weights, on the data of the final "
      "line, in dB: higher is better; it includes the error of every layer before it. Green "
      "from 30 dB, amber from 20 dB, red below.",
      absl::StrCat(BarChart("layer-sqnr", bars, axis, "SQNR (dB)"),
                   Table("layer-table", {"tensor", "SQNR (dB)"}, rows)));
}

std::string ModelSection(const TrainReportDoc& doc) {
  const ModelSummary& f = doc.float_model;
  const ModelSummary& q = doc.quantized_model;
  auto row = [](const std::string& k, int64_t a, int64_t b) {
    return std::vector<Cell>{Text(k), Number(absl::StrCat(a), absl::StrCat(a)),
                             Number(absl::StrCat(b), absl::StrCat(b))};
  };
  std::vector<std::vector<Cell>> rows = {
      row("nodes", f.nodes, q.nodes), row("parameters", f.parameters, q.parameters),
      row("weight bytes", f.weight_bytes, q.weight_bytes), row("MACs", f.total_macs, q.total_macs),
      row("peak activation bytes", f.peak_activation_bytes, q.peak_activation_bytes)};
  std::vector<std::vector<Cell>> settings;
  for (const auto& [k, v] : doc.settings) settings.push_back({Text(k), Text(v)});
  return Section("model", "Model and settings", "",
                 absl::StrCat(Table("model-summary", {"", "float model", "emitted model"}, rows),
                              "<p></p>", Table("settings", {"setting", "value"}, settings)));
}

}  // namespace

std::string TrainReportJson(const TrainReportDoc& doc) {
  std::vector<std::string> epochs, layers, settings;
  for (const EpochRecord& e : doc.epochs) {
    epochs.push_back(absl::StrCat("{\"epoch\":", e.epoch, ",\"loss\":", Optional(e.loss),
                                  ",\"train\":", Num(e.train_metric),
                                  ",\"val\":", Optional(e.val_metric), ",\"lr\":", Num(e.lr),
                                  ",\"bn_frozen\":", Bool(e.bn_frozen),
                                  ",\"observers_frozen\":", Bool(e.observers_frozen), "}"));
  }
  for (const auto& [tensor, db] : doc.layers) {
    layers.push_back(
        absl::StrCat("{\"tensor\":", JsonString(tensor), ",\"sqnr_db\":", Num(db), "}"));
  }
  for (const auto& [k, v] : doc.settings) {
    settings.push_back(absl::StrCat(JsonString(k), ":", JsonString(v)));
  }
  return absl::StrCat(
      "{\"target\":", JsonString(doc.target), ",\"metric\":", JsonString(doc.metric),
      ",\n\"settings\":{", absl::StrJoin(settings, ","), "},\n\"epochs\":[\n  ",
      absl::StrJoin(epochs, ",\n  "), "\n],\n\"final\":{\"data\":", JsonString(doc.final_data),
      ",\"float\":", Num(doc.float_metric), ",\"fake_quant\":", Num(doc.fake_quant_metric),
      ",\"emitted\":", Num(doc.emitted_metric), "},\n\"layers\":[\n  ",
      absl::StrJoin(layers, ",\n  "), "\n],\n\"model\":{\"float\":", SummaryJson(doc.float_model),
      ",\n  \"quantized\":", SummaryJson(doc.quantized_model),
      "},\n\"diagnostics\":", DiagnosticsJson(doc.diagnostics), "}\n");
}

std::string TrainReportHtml(const TrainReportDoc& doc) {
  const std::string& path = doc.float_model.model;
  const size_t slash = path.rfind('/');
  const std::string model = slash == std::string::npos ? path : path.substr(slash + 1);
  return Page(absl::StrCat("Training report: ", model),
              absl::StrCat(path, " · target ", doc.target, " · quantization-aware training"),
              {Cards(doc), TrainingSection(doc.epochs, doc.metric), LayerSection(doc),
               ModelSection(doc), DiagnosticSection(doc.diagnostics)});
}

}  // namespace quantc::report
