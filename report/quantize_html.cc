// The quantize report as one HTML page: summary cards, the float and the
// quantized model side by side, per-layer SQNR (chart and table), every
// quantized tensor, activation and weight histograms as small multiples,
// repairs with their cost, and TINPU's NPU placement. Every number a table
// shows carries the JSON report's exact value in data-v.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "report/html.h"
#include "report/quantize_report.h"
#include "report/sections.h"
#include "report/svg.h"

namespace quantc::report {
namespace {

// SQNR bands: above 30 dB a layer costs little; below 20 dB it usually
// shows in accuracy.
std::string SqnrClass(double db) { return db >= 30 ? "good" : db >= 20 ? "warn" : "bad"; }

std::string Db(double v) { return std::isinf(v) && v > 0 ? "exact" : Fixed(v, 2) + " dB"; }

Cell DbCell(double v) { return Number(std::isinf(v) && v > 0 ? "exact" : Fixed(v, 2), JsonNumber(v)); }

std::string Bytes(int64_t b) {
  if (b < 1024) return absl::StrCat(b, " B");
  return absl::StrCat(Fixed(static_cast<double>(b) / 1024.0, 1), " KiB");
}

std::string Basename(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// "N" when SQNR was measured on every calibration sample, else "n of N".
std::string SamplesMeasured(const QuantReport& r) {
  if (r.samples == r.calibration_samples) return absl::StrCat(r.samples);
  return absl::StrCat(r.samples, " of ", r.calibration_samples);
}

std::string Cards(const QuantizeReportDoc& doc) {
  const QuantReport& r = doc.quant;
  std::string out = "<div class=\"cards\">";
  absl::StrAppend(&out, Card("target", doc.target), Card("samples measured", SamplesMeasured(r)));
  for (const OutputReport& o : r.outputs) {
    absl::StrAppend(&out, Card(absl::StrCat("output '", o.name, "' SQNR"), Db(o.sqnr_db)));
  }
  absl::StrAppend(&out,
                  Card("weights", absl::StrCat(Bytes(doc.float_model.weight_bytes), " → ",
                                               Bytes(doc.quantized_model.weight_bytes))),
                  Card("quantized layers", absl::StrCat(r.layers.size())),
                  Card("MACs per inference", absl::StrCat(doc.float_model.total_macs)));
  int warnings = 0;
  for (const Diagnostic& d : doc.diagnostics) warnings += d.severity == Diagnostic::Severity::kWarning;
  absl::StrAppend(&out, Card("warnings", absl::StrCat(warnings)));
  if (doc.has_npu) {
    int on = 0;
    for (const tinpu::LayerReport& l : doc.npu) on += l.on_npu;
    absl::StrAppend(&out, Card("layers on the NPU", absl::StrCat(on, " of ", doc.npu.size())));
  }
  return out + "</div>";
}

std::string ModelSection(const QuantizeReportDoc& doc) {
  const ModelSummary& f = doc.float_model;
  const ModelSummary& q = doc.quantized_model;
  auto io = [](const std::vector<std::pair<std::string, std::string>>& v) {
    std::vector<std::string> s;
    for (const auto& [name, type] : v) s.push_back(absl::StrCat(name, ": ", type));
    return absl::StrJoin(s, ", ");
  };
  auto row = [](const std::string& k, const std::string& a, const std::string& b) {
    return std::vector<Cell>{Text(k), Text(a, "name"), Text(b, "name")};
  };
  std::vector<std::vector<Cell>> rows = {
      row("opset", absl::StrCat(f.opset), absl::StrCat(q.opset)),
      row("nodes", absl::StrCat(f.nodes), absl::StrCat(q.nodes)),
      row("inputs", io(f.inputs), io(q.inputs)),
      row("outputs", io(f.outputs), io(q.outputs)),
      row("parameters", absl::StrCat(f.parameters), absl::StrCat(q.parameters)),
      row("weight bytes", absl::StrCat(f.weight_bytes), absl::StrCat(q.weight_bytes)),
      row("MACs", absl::StrCat(f.total_macs), absl::StrCat(q.total_macs)),
      row("peak activation bytes", absl::StrCat(f.peak_activation_bytes),
          absl::StrCat(q.peak_activation_bytes))};
  std::vector<std::vector<Cell>> settings;
  for (const auto& [k, v] : doc.settings) settings.push_back({Text(k), Text(v)});
  const std::string settings_note =
      "<p class=\"muted\">The quantized model carries these as metadata_props, with producer "
      "quantc.</p>";
  return Section("model", "Model", "",
                 absl::StrCat(Table("model-summary", {"", "float model", "quantized model"}, rows),
                              "<p></p>", Table("settings", {"setting", "value"}, settings),
                              settings_note));
}

std::string LayerSection(const QuantReport& r) {
  std::vector<Bar> bars;
  std::vector<std::vector<Cell>> rows;
  double axis = 40;
  for (const LayerReport& l : r.layers) {
    const double v = l.output_sqnr_db.value_or(l.weight_sqnr_db);
    if (std::isfinite(v)) axis = std::max(axis, std::ceil(v / 10) * 10);
    bars.push_back({l.name, v, Db(v), SqnrClass(v), JsonNumber(v)});
    rows.push_back({Text(l.name, "name"), Text(l.op), Number(absl::StrCat(l.weight_bits), absl::StrCat(l.weight_bits)),
                    DbCell(l.weight_sqnr_db), Text(l.output.value_or("(float)"), "name"),
                    l.output_sqnr_db ? DbCell(*l.output_sqnr_db) : Text("–", "num")});
  }
  return Section(
      "layers", "Per-layer SQNR",
      "Signal-to-quantization-noise ratio of each quantized layer's output (after a fused "
      "Relu/Clip, as the next layer receives it) against the float model, on the calibration "
      "samples measured, in dB: higher is better; it includes the error of every layer before it. Green "
      "from 30 dB, amber from 20 dB, red below.",
      absl::StrCat(BarChart("layer-sqnr", bars, axis, "output SQNR (dB)"),
                   Table("layer-table",
                         {"layer", "op", "weight bits", "weight SQNR (dB)", "output tensor",
                          "output SQNR (dB)"},
                         rows)));
}

Cell ScaleCell(const TensorReport& t) {
  std::vector<std::string> exact;
  for (float s : t.scale) exact.push_back(JsonNumber(s));
  if (t.scale.size() == 1) return Number(Short(t.scale[0]), exact[0]);
  float lo = t.scale.empty() ? 0 : t.scale[0], hi = lo;
  for (float s : t.scale) lo = std::min(lo, s), hi = std::max(hi, s);
  return Number(absl::StrCat(t.scale.size(), " ch: ", Short(lo), "–", Short(hi)),
                absl::StrCat("[", absl::StrJoin(exact, ","), "]"));
}

Cell ZeroPointCell(const TensorReport& t) {
  if (t.zero_point.size() == 1) return Number(absl::StrCat(t.zero_point[0]), absl::StrCat(t.zero_point[0]));
  bool zero = true;
  for (int64_t z : t.zero_point) zero = zero && z == 0;
  return Number(zero ? "0 (all)" : "per channel", absl::StrCat("[", absl::StrJoin(t.zero_point, ","), "]"));
}

std::string TensorSection(const QuantReport& r) {
  std::vector<std::vector<Cell>> rows;
  for (const TensorReport& t : r.tensors) {
    rows.push_back({Text(t.name, "name"), Text(t.kind), Text(t.layer, "name"),
                    Number(absl::StrCat(t.bits), absl::StrCat(t.bits)), ScaleCell(t),
                    ZeroPointCell(t), Number(Short(t.min), JsonNumber(t.min)),
                    Number(Short(t.max), JsonNumber(t.max)), DbCell(t.sqnr_db)});
  }
  return Section("tensors", "Quantized tensors",
                 "Every tensor the quantized model carries as integers: activations (range "
                 "observed in calibration), weights and biases (their actual range), with scale, "
                 "zero point and SQNR against float.",
                 Table("tensor-table",
                       {"tensor", "kind", "layer", "bits", "scale", "zero point", "min", "max",
                        "SQNR (dB)"},
                       rows));
}

std::string Figure(const TensorReport& t) {
  const RangeHistogram& h = *t.histogram;
  HistogramData d{h.counts, h.lo, h.hi, h.below, h.above, {}, ""};
  int64_t total = h.below + h.above;
  for (int64_t c : h.counts) total += c;
  std::string caption = absl::StrCat("<b>", Escape(t.name), "</b> ", Escape(t.kind), ", ", t.bits, " bits");
  if (t.kind == "activation") {
    d.markers = {t.min, t.max};
    d.axis_label = "value (dashed: calibrated range; log heights)";
    const double clipped = total > 0 ? 100.0 * (h.below + h.above) / total : 0;
    absl::StrAppend(&caption, ", ", Fixed(clipped, 2), "% clipped");
  } else {
    d.axis_label = "value / scale (integer grid; log heights)";
    absl::StrAppend(&caption, ", layer ", Escape(t.layer));
  }
  return absl::StrCat("<figure data-tensor=\"", Escape(t.name), "\">", HistogramChart(d),
                      "<figcaption>", caption, "</figcaption></figure>");
}

std::string DistributionSection(const QuantReport& r) {
  std::string acts, weights;
  for (const TensorReport& t : r.tensors) {
    if (!t.histogram) continue;
    absl::StrAppend(t.kind == "activation" ? &acts : &weights, Figure(t));
  }
  return Section(
      "distributions", "Activation ranges and weight histograms",
      "Activations: float values on the calibration samples measured, over the range the "
      "quantizer represents (calibrated on every sample) "
      "(red: values it clips). Weights: each weight divided by its channel's scale, on the "
      "integer grid; a histogram that fills the grid uses the bits well.",
      absl::StrCat("<h3>Activations</h3><div class=\"grid\" id=\"activation-histograms\">", acts,
                   "</div><h3>Weights</h3><div class=\"grid\" id=\"weight-histograms\">", weights,
                   "</div>"));
}

}  // namespace

std::string ToHtml(const QuantizeReportDoc& doc) {
  const std::string model = Basename(doc.float_model.model);
  std::vector<std::string> sections = {Cards(doc), ModelSection(doc), LayerSection(doc.quant),
                                       TensorSection(doc.quant), DistributionSection(doc.quant),
                                       DiagnosticSection(doc.diagnostics)};
  if (doc.has_npu) sections.push_back(NpuSection(doc.npu, doc.npu_bits));
  return Page(absl::StrCat("Quantization report: ", model),
              absl::StrCat(doc.float_model.model, " · target ", doc.target, " · ",
                           doc.quant.calibration_samples, " calibration samples"),
              sections);
}

}  // namespace quantc::report
