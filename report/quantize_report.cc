#include "report/quantize_report.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fmt/format.h"
#include "ir/printer.h"
#include "passes/insert_observers.h"
#include "passes/quant_roles.h"
#include "quant/sqnr.h"
#include "quant/x86_saturation.h"
#include "report/html.h"
#include "util/json.h"
#include "util/status_macros.h"

namespace quantc::report {
namespace {

std::string Num(double v) { return JsonValue(v); }

std::string Optional(const std::optional<double>& v) { return v ? Num(*v) : "null"; }

std::string HistogramJson(const RangeHistogram& h) {
  return absl::StrCat("{\"unit\":", JsonString(h.unit), ",\"lo\":", Num(h.lo), ",\"hi\":", Num(h.hi),
                      ",\"counts\":[", absl::StrJoin(h.counts, ","), "],\"below\":", h.below,
                      ",\"above\":", h.above, "}");
}

std::string TensorJson(const TensorReport& t) {
  std::vector<std::string> s;
  for (float f : t.scale) s.push_back(Num(f));
  return absl::StrCat(
      "{\"name\":", JsonString(t.name), ",\"kind\":", JsonString(t.kind),
      t.layer.empty() ? "" : absl::StrCat(",\"layer\":", JsonString(t.layer)), ",\"bits\":", t.bits,
      ",\"min\":", Num(t.min), ",\"max\":", Num(t.max), ",\"scale\":[", absl::StrJoin(s, ","),
      "],\"zero_point\":[", absl::StrJoin(t.zero_point, ","), "],\"sqnr_db\":", Num(t.sqnr_db),
      t.histogram ? absl::StrCat(",\"histogram\":", HistogramJson(*t.histogram)) : "", "}");
}

std::string LayerJson(const LayerReport& l) {
  return absl::StrCat("{\"name\":", JsonString(l.name), ",\"op\":", JsonString(l.op),
                      ",\"weight\":", JsonString(l.weight), ",\"weight_bits\":", l.weight_bits,
                      ",\"weight_sqnr_db\":", Num(l.weight_sqnr_db),
                      ",\"output\":", l.output ? JsonString(*l.output) : "null",
                      ",\"output_sqnr_db\":", Optional(l.output_sqnr_db), "}");
}

// The integer model's outputs against float: output k is the last layer's
// integers (times its scale from the legalized QDQ model) or, with
// --output-float or from a float op, real already.
// `reference` holds the float model's outputs on the data samples `samples`.
absl::Status MeasureEmittedOutputs(const QuantizeReportInputs& in,
                                   const std::vector<std::vector<Tensor>>& reference,
                                   absl::Span<const int64_t> samples, QuantReport& r) {
  std::vector<double> scales;
  for (const Value* v : in.qdq->outputs()) {
    const QuantParams* p = DequantizedParams(v);
    scales.push_back(in.output_int && p && p->scale.size() == 1 ? p->scale[0] : 1.0);
  }
  QC_ASSIGN_OR_RETURN(auto acc,
                      CompareOutputs(reference, *in.emitted, *in.data, scales, samples));
  r.outputs.clear();
  for (size_t k = 0; k < acc.size(); ++k) {
    r.outputs.push_back({in.emitted->outputs()[k]->name(), acc[k].Db(), acc[k].max_abs_error()});
  }
  return absl::OkStatus();
}

std::string TensorTable(const QuantReport& r) {
  std::string out = fmt::format("{:<48} {:<10} {:>10} {:>10} {:>12} {:>5} {:>9}\n", "tensor",
                                "kind", "min", "max", "scale", "zp", "SQNR dB");
  for (const TensorReport& t : r.tensors) {
    std::string name = t.name.size() > 48 ? "..." + t.name.substr(t.name.size() - 45) : t.name;
    const bool per_channel = t.scale.size() > 1;
    out += fmt::format("{:<48} {:<10} {:>10.4g} {:>10.4g} {:>12} {:>5} {:>9.2f}\n", name, t.kind,
                       t.min, t.max, per_channel ? "per-channel" : FormatFloat(t.scale[0]),
                       per_channel ? "-" : absl::StrCat(t.zero_point[0]), t.sqnr_db);
  }
  for (const OutputReport& o : r.outputs) {
    out += fmt::format("model output {:<35} SQNR {:.2f} dB, max |error| {:.4g}\n", o.name,
                       o.sqnr_db, o.max_abs_error);
  }
  return out;
}

}  // namespace

absl::StatusOr<QuantizeReportDoc> BuildQuantizeReport(const QuantizeReportInputs& in) {
  QuantizeReportDoc doc;
  doc.target = in.tinpu ? "tinpu" : "generic";
  doc.settings = in.settings;
  // The float model runs once per measured sample, for both comparisons.
  const std::vector<int64_t> samples = EvenlySpacedSamples(in.data->num_samples(), in.max_samples);
  std::vector<std::vector<Tensor>> float_outputs;
  QC_ASSIGN_OR_RETURN(doc.quant, BuildQuantReport(*in.calibrated, *in.qdq, *in.data, in.weight_bits,
                                                  in.progress, samples, &float_outputs));
  doc.float_model = Summarize(*in.original, in.model_name);
  doc.quantized_model = Summarize(*in.emitted, "");
  doc.diagnostics = *in.diagnostics;
  if (in.tinpu) {
    // Per-tensor SQNR comes from the legalized QDQ model (the integer model
    // matches it up to rounding ties); output SQNR from the integer model.
    QC_RETURN_IF_ERROR(MeasureEmittedOutputs(in, float_outputs, samples, doc.quant));
    doc.has_npu = true;
    doc.npu_bits.weight = in.weight_bits;
    doc.npu = tinpu::NpuEligibility(*in.emitted, doc.npu_bits);
  }
  return doc;
}

std::string ToJson(const QuantizeReportDoc& doc) {
  const QuantReport& r = doc.quant;
  std::vector<std::string> tensors, layers, outputs, settings;
  for (const TensorReport& t : r.tensors) tensors.push_back(TensorJson(t));
  for (const LayerReport& l : r.layers) layers.push_back(LayerJson(l));
  for (const OutputReport& o : r.outputs) {
    outputs.push_back(absl::StrCat("{\"name\":", JsonString(o.name), ",\"sqnr_db\":",
                                   Num(o.sqnr_db), ",\"max_abs_error\":", Num(o.max_abs_error), "}"));
  }
  for (const auto& [k, v] : doc.settings) settings.push_back(absl::StrCat(JsonString(k), ":", JsonString(v)));
  std::string npu = doc.has_npu
                        ? absl::StrCat(",\n\"npu\":", tinpu::EligibilityToJson(doc.npu, doc.npu_bits))
                        : "";
  return absl::StrCat(
      "{\"samples\":", r.samples, ",\"calibration_samples\":", r.calibration_samples,
      ",\"outputs\":[", absl::StrJoin(outputs, ",\n  "),
      "],\n\"tensors\":[\n  ", absl::StrJoin(tensors, ",\n  "), "\n],\n\"layers\":[\n  ",
      absl::StrJoin(layers, ",\n  "), "\n],\n\"target\":", JsonString(doc.target),
      ",\n\"settings\":{", absl::StrJoin(settings, ","), "},\n\"model\":{\"float\":",
      SummaryJson(doc.float_model), ",\n  \"quantized\":", SummaryJson(doc.quantized_model),
      "},\n\"diagnostics\":", DiagnosticsJson(doc.diagnostics), npu, "}\n");
}

std::string ToText(const QuantizeReportDoc& doc) {
  std::string out = doc.has_npu ? tinpu::EligibilityToText(doc.npu, doc.npu_bits) : "";
  return out + TensorTable(doc.quant);
}

std::string DiagnosticsJson(const std::vector<Diagnostic>& ds) {
  std::vector<std::string> rows;
  for (const Diagnostic& d : ds) {
    rows.push_back(absl::StrCat(
        "{\"severity\":", d.severity == Diagnostic::Severity::kWarning ? "\"warning\"" : "\"note\"",
        ",\"subject\":", JsonString(d.subject), ",\"message\":", JsonString(d.message),
        ",\"cost_db\":", d.cost_db ? fmt::format("{:.3f}", *d.cost_db) : "null", "}"));
  }
  return absl::StrCat("[", absl::StrJoin(rows, ",\n  "), "]");
}

std::vector<Diagnostic> X86SaturationNotes(const Graph& qdq) {
  std::vector<std::string> layers;
  for (const SaturationRisk& r : FindX86SaturationRisks(qdq)) {
    layers.push_back(absl::StrCat("'", r.node->name().empty() ? r.node->output(0)->name()
                                                              : r.node->name(),
                                  "' (", r.risky_pairs, " pairs, max ", r.max_pair_sum, ")"));
  }
  if (layers.empty()) return {};
  return {{Diagnostic::Severity::kNote, "x86 ONNX Runtime",
           absl::StrCat("int8 weight pairs summing above 128 can saturate ONNX Runtime's fused "
                        "kernels on x86 CPUs without VNNI in ", layers.size(), " layer(s): ",
                        absl::StrJoin(layers, ", "), "; exact QDQ arithmetic and MCU kernels are "
                        "unaffected; --reduce-range (7-bit weights) avoids it"),
           std::nullopt}};
}

}  // namespace quantc::report
