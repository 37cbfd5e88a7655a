#include "tools/quantize_imported.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "backends/tinpu/eligibility.h"
#include "backends/tinpu/serialize.h"
#include "ir/onnx_export.h"
#include "passes/insert_observers.h"
#include "passes/quant_roles.h"
#include "quant/sqnr.h"
#include "tools/imported_quantization.h"
#include "tools/quantize_report.h"
#include "util/file.h"
#include "util/json.h"
#include "util/status_macros.h"

namespace quantc {
namespace {

ImportedQuantizeOptions StageOptions(const ImportedQuantizeRun& run, std::vector<Diagnostic>* log) {
  ImportedQuantizeOptions o;
  o.import.target = run.tinpu ? ImportTarget::kTinpu : ImportTarget::kGeneric;
  o.import.float_ops = run.float_ops;
  o.import.log = log;
  o.target = run.options;
  o.target.generic.log = log;
  return o;
}

// The emitted model's outputs against the imported one's, on the data.
absl::StatusOr<std::string> OutputSqnrJson(const Graph& imported, const Graph& emitted,
                                           const Graph& qdq, const CalibrationData& data,
                                           bool output_int) {
  std::vector<double> scales;
  for (const Value* v : qdq.outputs()) {
    const QuantParams* p = DequantizedParams(v);
    scales.push_back(output_int && p && p->scale.size() == 1 ? p->scale[0] : 1.0);
  }
  QC_ASSIGN_OR_RETURN(auto reference, RunOnData(imported, data));
  QC_ASSIGN_OR_RETURN(auto acc, CompareOutputs(reference, emitted, data, scales));
  std::vector<std::string> rows;
  for (size_t k = 0; k < acc.size(); ++k) {
    rows.push_back(absl::StrCat("{\"name\":", JsonString(emitted.outputs()[k]->name()),
                                ",\"sqnr_db_vs_imported\":", std::min(acc[k].Db(), 200.0), "}"));
  }
  return absl::StrCat("[", absl::StrJoin(rows, ","), "]");
}

void StampImported(const ImportedQuantizeRun& run, int weight_bits, Graph& g) {
  const CalibrationData* data = run.options.generic.calibrate.data;
  StampProvenance(g,
                  {
                      {"quantc.target", run.tinpu ? "tinpu" : "generic"},
                      {"quantc.source", "imported quantized model"},
                      {"quantc.weight_bits", absl::StrCat(weight_bits)},
                      {"quantc.calibration_samples", absl::StrCat(data ? data->num_samples() : 0)},
                  });
}

}  // namespace

absl::Status RejectForImported(const cli::Args& a, bool tinpu, bool has_calib) {
  const std::vector<const char*> decided = {"weight-bits",  "weight-observer", "weight-granularity",
                                            "act-dtype",    "act-symmetric",   "power2-scale",
                                            "reduce-range", "bias-correction", "bn-update-epochs"};
  for (const char* f : decided) {
    if (a.Has(f)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", f,
                       " does not apply to a model that is already quantized (its own "
                       "quantization decides it)"));
    }
  }
  if (!has_calib) {
    for (const char* f :
         {"observer", "percentile", "ema-momentum", "calib-limit", "calib-batch", "calib-epochs"}) {
      if (a.Has(f)) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", f,
                         " needs --calib (a quantized model needs calibration data only for ranges "
                         "it lacks)"));
      }
    }
  }
  if (!tinpu && a.Has("float-ops")) {
    return absl::InvalidArgumentError(
        "--float-ops needs --target=tinpu for a quantized model (for generic QDQ, its own Q/DQ "
        "placement decides what runs in float)");
  }
  return absl::OkStatus();
}

int QuantizeImported(std::unique_ptr<Graph> graph, ImportedQuantizeRun& run) {
  auto in_model = [&](const absl::Status& st) {
    return absl::Status(st.code(), absl::StrCat(run.model, ": ", st.message()));
  };
  std::vector<Diagnostic> log;
  ImportedQuantizeOptions o = StageOptions(run, &log);
  std::unique_ptr<Graph> legalized;
  PassManagerOptions pmo = run.pass_manager;
  auto print = pmo.after_pass;
  pmo.after_pass = [&](const Pass& pass, const Graph& g, bool changed) {
    if (print) print(pass, g, changed);
    if (pass.name() == "legalize_tinpu") legalized = g.Clone();
  };
  {
    PassManager stage1(pmo);
    stage1.AddAll(ImportQuantizedPipeline(o.import));
    if (auto r = stage1.Run(*graph); !r.ok()) return cli::ReportError(in_model(r.status()));
  }
  const tinpu::BitWidths bits = ImportedBitWidths(*graph);
  if (run.tinpu) o.target.generic.qdq.weight_bits = bits.weight;
  std::vector<TensorQuantization> quantization = DescribeQuantization(*graph);
  std::unique_ptr<Graph> imported = graph->Clone();
  {
    PassManager stage2(pmo);
    stage2.AddAll(run.tinpu ? ImportedTinpuPipeline(o) : ImportedGenericPipeline(o));
    if (auto r = stage2.Run(*graph); !r.ok()) return cli::ReportError(in_model(r.status()));
  }
  for (const Diagnostic& d : log) {
    const bool warning = d.severity == Diagnostic::Severity::kWarning;
    if (warning || run.verbose) {
      std::fprintf(stderr, "quantc: %s: %s\n", warning ? "warning" : "note", d.ToString().c_str());
    }
  }
  std::string report;
  if (!run.report_path.empty() || run.verbose) {
    std::vector<std::pair<std::string, std::string>> fields = {
        {"target", run.tinpu ? "\"tinpu\"" : "\"generic\""},
        {"source", "\"imported quantized model\""},
        {"weight_bits", absl::StrCat(run.tinpu ? bits.weight : 8)},
        {"quantization", QuantizationToJson(quantization)},
        {"diagnostics", DiagnosticsJson(log)}};
    if (const CalibrationData* data = run.options.generic.calibrate.data) {
      auto out =
          OutputSqnrJson(*CloneWithoutObservers(*imported), *graph, legalized ? *legalized : *graph,
                         *data, run.tinpu && run.options.output_int);
      if (!out.ok()) return cli::ReportError(in_model(out.status()));
      fields.push_back({"outputs", *out});
    }
    if (run.tinpu) {
      tinpu::BitWidths b = bits;
      auto layers = tinpu::NpuEligibility(*graph, b);
      fields.push_back({"npu", tinpu::EligibilityToJson(layers, b)});
      if (run.verbose) std::fputs(tinpu::EligibilityToText(layers, b).c_str(), stderr);
    }
    if (run.verbose) std::fputs(QuantizationToText(quantization).c_str(), stderr);
    std::vector<std::string> parts;
    for (const auto& [k, v] : fields) parts.push_back(absl::StrCat(JsonString(k), ":", v));
    report = absl::StrCat("{", absl::StrJoin(parts, ",\n "), "}\n");
  }
  StampImported(run, bits.weight, *graph);
  auto bytes = run.tinpu ? tinpu::SerializeTinpu(*graph) : ExportModelBytes(*graph);
  if (!bytes.ok()) return cli::ReportError(in_model(bytes.status()));
  if (auto st = WriteFileAtomically(run.output, *bytes); !st.ok()) return cli::ReportError(st);
  if (!run.report_path.empty()) {
    if (auto st = WriteFileAtomically(run.report_path, report); !st.ok())
      return cli::ReportError(st);
  }
  return cli::kOk;
}

absl::StatusOr<std::string> InspectImported(const Graph& g, bool tinpu, bool json,
                                            tinpu::BitWidths* bits) {
  std::unique_ptr<Graph> copy = g.Clone();
  std::vector<Diagnostic> log;
  ImportedQuantizeRun run;
  run.tinpu = tinpu;
  ImportedQuantizeOptions o = StageOptions(run, &log);
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
      absl::StrAppend(&out, ",\"tinpu\":{\"diagnostics\":", DiagnosticsJson(log),
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
    for (const std::string& s : missing)
      absl::StrAppend(&out, "needs a range (--calib): ", s, "\n");
    for (const Diagnostic& d : log) {
      absl::StrAppend(&out, d.severity == Diagnostic::Severity::kWarning ? "warning: " : "note: ",
                      d.ToString(), "\n");
    }
    if (log.empty() && missing.empty()) absl::StrAppend(&out, "every layer is realized exactly\n");
    absl::StrAppend(&out, "lowering: ", lowering, "\n");
  }
  return out;
}

}  // namespace quantc
