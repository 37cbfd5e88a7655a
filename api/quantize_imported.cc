#include "api/quantize_imported.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/print_ir.h"
#include "backends/tinpu/eligibility.h"
#include "backends/tinpu/serialize.h"
#include "ir/onnx_export.h"
#include "passes/insert_observers.h"
#include "passes/quant_roles.h"
#include "quant/sqnr.h"
#include "report/imported_report.h"
#include "report/quantize_report.h"
#include "util/json.h"
#include "util/status_macros.h"

namespace quantc::api {
namespace {

ImportedQuantizeOptions StageOptions(bool tinpu, const TinpuQuantizeOptions& target,
                                     std::vector<Diagnostic>* log) {
  ImportedQuantizeOptions o;
  o.import.target = tinpu ? ImportTarget::kTinpu : ImportTarget::kGeneric;
  o.import.float_ops = target.generic.float_ops;
  o.import.log = log;
  o.target = target;
  o.target.generic.log = log;
  return o;
}

// The emitted model's outputs against the imported one's, on data samples
// `samples`.
absl::StatusOr<std::vector<std::pair<std::string, double>>> OutputSqnr(
    const Graph& imported, const Graph& emitted, const Graph& qdq, const CalibrationData& data,
    absl::Span<const int64_t> samples, bool output_int) {
  std::vector<double> scales;
  for (const Value* v : qdq.outputs()) {
    const QuantParams* p = DequantizedParams(v);
    scales.push_back(output_int && p && p->scale.size() == 1 ? p->scale[0] : 1.0);
  }
  QC_ASSIGN_OR_RETURN(auto reference, RunOnSamples(imported, data, samples));
  QC_ASSIGN_OR_RETURN(auto acc, CompareOutputs(reference, emitted, data, scales, samples));
  std::vector<std::pair<std::string, double>> out;
  for (size_t k = 0; k < acc.size(); ++k) out.emplace_back(emitted.outputs()[k]->name(), acc[k].Db());
  return out;
}

}  // namespace

absl::Status RejectForImported(const cli::Args& a, bool tinpu, bool has_calib) {
  auto usage = [](const std::string& m) { return cli::AsUsageError(absl::InvalidArgumentError(m)); };
  const std::vector<const char*> decided = {"weight-bits",  "weight-observer", "weight-granularity",
                                            "act-dtype",    "act-symmetric",   "power2-scale",
                                            "reduce-range", "bias-correction", "bn-update-epochs"};
  for (const char* f : decided) {
    if (a.Has(f)) {
      return usage(absl::StrCat("--", f,
                                " does not apply to a model that is already quantized (its own "
                                "quantization decides it)"));
    }
  }
  if (!has_calib) {
    for (const char* f :
         {"observer", "percentile", "ema-momentum", "calib-limit", "calib-batch", "calib-epochs",
          "report-samples"}) {
      if (a.Has(f)) {
        return usage(absl::StrCat("--", f,
                                  " needs --calib (a quantized model needs calibration data only "
                                  "for ranges it lacks)"));
      }
    }
  }
  if (!tinpu && a.Has("float-ops")) {
    return usage(
        "--float-ops needs --target=tinpu for a quantized model (for generic QDQ, its own Q/DQ "
        "placement decides what runs in float)");
  }
  return absl::OkStatus();
}

std::vector<std::string> ImportedPassNames(const QuantizeFlags& flags) {
  ImportedQuantizeOptions o = StageOptions(flags.tinpu, flags.t, nullptr);
  PassManager pm;
  pm.AddAll(ImportQuantizedPipeline(o.import));
  pm.AddAll(flags.tinpu ? ImportedTinpuPipeline(o) : ImportedGenericPipeline(o));
  return pm.PassNames();
}

absl::StatusOr<QuantizeOutput> QuantizeImported(const ModelInput& model,
                                                std::unique_ptr<Graph> graph,
                                                const QuantizeFlags& flags,
                                                const CalibrationData* data, const cli::Args& args,
                                                const Console& console, bool want_report) {
  std::vector<Diagnostic> log;
  TinpuQuantizeOptions target = flags.t;
  target.generic.calibrate.data = data;
  ImportedQuantizeOptions o = StageOptions(flags.tinpu, target, &log);
  std::unique_ptr<Graph> legalized;
  auto keep = [&](const Pass& pass, const Graph& g, bool) {
    if (pass.name() == "legalize_tinpu") legalized = g.Clone();
  };
  PassManagerOptions pmo;
  pmo.check_changed = args.Has("verify-each");
  {
    PassManager stage1(pmo);
    stage1.AddAll(ImportQuantizedPipeline(o.import));
    QC_RETURN_IF_ERROR(AddIrPrinter(args, console, stage1, keep, ImportedPassNames(flags)));
    if (auto r = stage1.Run(*graph); !r.ok()) return InModel(model, r.status());
  }
  const tinpu::BitWidths bits = ImportedBitWidths(*graph);
  if (flags.tinpu) o.target.generic.qdq.weight_bits = bits.weight;
  report::ImportedReportDoc doc;
  doc.model = model.name();
  doc.tinpu = flags.tinpu;
  doc.weight_bits = flags.tinpu ? bits.weight : 8;
  doc.quantization = DescribeQuantization(*graph);
  std::unique_ptr<Graph> imported = graph->Clone();
  {
    PassManager stage2(pmo);
    stage2.AddAll(flags.tinpu ? ImportedTinpuPipeline(o) : ImportedGenericPipeline(o));
    QC_RETURN_IF_ERROR(AddIrPrinter(args, console, stage2, keep, ImportedPassNames(flags)));
    if (auto r = stage2.Run(*graph); !r.ok()) return InModel(model, r.status());
  }
  if (console.diagnostic) {
    for (const Diagnostic& d : log) console.diagnostic(d);
  }
  QuantizeOutput out;
  if (want_report || flags.report || args.Has("verbose")) {
    doc.diagnostics = log;
    if (data) {
      const std::vector<int64_t> samples =
          EvenlySpacedSamples(data->num_samples(), flags.report_samples);
      doc.samples = static_cast<int64_t>(samples.size());
      auto sqnr = OutputSqnr(*CloneWithoutObservers(*imported), *graph,
                             legalized ? *legalized : *graph, *data, samples,
                             flags.tinpu && flags.t.output_int);
      if (!sqnr.ok()) return InModel(model, sqnr.status());
      doc.outputs = *std::move(sqnr);
    }
    if (flags.tinpu) {
      doc.has_npu = true;
      doc.npu_bits = bits;
      doc.npu = tinpu::NpuEligibility(*graph, doc.npu_bits);
    }
    if (args.Has("verbose") && console.err) console.err(report::ToText(doc));
    out.report_json = report::ToJson(doc);
    if (flags.report == ReportFormat::kJson) out.report_file = out.report_json;
    if (flags.report == ReportFormat::kHtml) out.report_file = report::ToHtml(doc);
  }
  StampProvenance(*graph, {{"quantc.target", flags.tinpu ? "tinpu" : "generic"},
                           {"quantc.source", "imported quantized model"},
                           {"quantc.weight_bits", absl::StrCat(bits.weight)},
                           {"quantc.calibration_samples", absl::StrCat(data ? data->num_samples() : 0)}});
  auto bytes = flags.tinpu ? tinpu::SerializeTinpu(*graph) : ExportModelBytes(*graph);
  if (!bytes.ok()) return InModel(model, bytes.status());
  out.model = *std::move(bytes);
  return out;
}

absl::StatusOr<std::string> InspectImported(const Graph& g, bool tinpu, bool json,
                                            tinpu::BitWidths* bits) {
  std::unique_ptr<Graph> copy = g.Clone();
  std::vector<Diagnostic> log;
  ImportedQuantizeOptions o = StageOptions(tinpu, {}, &log);
  PassManager stage1;
  stage1.AddAll(ImportQuantizedPipeline(o.import));
  QC_RETURN_IF_ERROR(stage1.Run(*copy).status());
  std::vector<TensorQuantization> q = DescribeQuantization(*copy);
  if (bits) *bits = ImportedBitWidths(*copy);
  std::vector<std::string> missing;
  std::string lowering = "ok";
  if (tinpu) {
    o.missing = &missing;
    o.target.generic.qdq.weight_bits = ImportedBitWidths(*copy).weight;
    PassManager stage2;
    stage2.AddAll(ImportedTinpuPipeline(o));
    if (missing.empty()) {
      absl::StatusOr<bool> r = stage2.Run(*copy);
      if (!r.ok()) lowering = std::string(r.status().message());
    }
  }
  if (json) {
    std::vector<std::string> m;
    for (const std::string& s : missing) m.push_back(JsonString(s));
    std::string out = absl::StrCat("{\"quantization\":", QuantizationToJson(q));
    if (tinpu) {
      absl::StrAppend(&out, ",\"tinpu\":{\"diagnostics\":", report::DiagnosticsJson(log),
                      ",\"missing_ranges\":[", absl::StrJoin(m, ","),
                      "],\"lowering\":", JsonString(lowering), "}");
    }
    return absl::StrCat(out, "}");
  }
  std::string out = absl::StrCat("# quantization\n", QuantizationToText(q));
  if (tinpu) {
    absl::StrAppend(&out,
                    "\n# TINPU realization (without calibration data): what cannot be "
                    "kept exactly, and why\n");
    for (const std::string& s : missing) absl::StrAppend(&out, "needs a range (--calib): ", s, "\n");
    for (const Diagnostic& d : log) {
      absl::StrAppend(&out, d.severity == Diagnostic::Severity::kWarning ? "warning: " : "note: ",
                      d.ToString(), "\n");
    }
    if (log.empty() && missing.empty()) absl::StrAppend(&out, "every layer is realized exactly\n");
    absl::StrAppend(&out, "lowering: ", lowering, "\n");
  }
  return out;
}

}  // namespace quantc::api
