#include "api/quantize.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "api/print_ir.h"
#include "api/quantize_imported.h"
#include "api/version.h"
#include "backends/tinpu/serialize.h"
#include "ir/onnx_export.h"
#include "passes/import/import_quantization.h"
#include "passes/mark_float_ops.h"
#include "passes/pass_manager.h"
#include "quant/calibration_data.h"
#include "report/quantize_report.h"
#include "util/status_macros.h"

namespace quantc::api {
namespace {

// The first opset with per-axis QuantizeLinear/DequantizeLinear.
constexpr int64_t kPerChannelOpset = 13;

// Every --float-ops entry must name a node or an op type of the model.
absl::Status CheckFloatOps(const Graph& g, const std::vector<std::string>& float_ops) {
  for (const std::string& f : float_ops) {
    bool found = false;
    for (const Node* n : g.nodes()) found = found || MatchesFloatOps(*n, {f});
    if (!found) {
      return absl::InvalidArgumentError(
          absl::StrCat("--float-ops entry '", f, "' matches no node name or op type"));
    }
  }
  return absl::OkStatus();
}

// Per-channel DequantizeLinear needs opset 13: older exports are upgraded
// with ONNX's version converter rather than fall back to per-tensor (which
// is a warning when the converter cannot).
absl::StatusOr<std::unique_ptr<Graph>> UpgradeForPerChannel(std::unique_ptr<Graph> graph,
                                                            const ModelInput& model,
                                                            std::vector<Diagnostic>& log) {
  if (graph->opset() >= kPerChannelOpset) return graph;
  auto upgraded = ConvertOpset(*graph, kPerChannelOpset);
  if (upgraded.ok()) return *std::move(upgraded);
  log.push_back({Diagnostic::Severity::kWarning, model.name(),
                 absl::StrCat("staying at opset ", graph->opset(), " with per-tensor weights (",
                              upgraded.status().message(), ")"),
                 std::nullopt});
  return graph;
}

// Calibration arrays given in memory, matched to graph inputs by name (or
// the single unnamed array to the single input), in graph order.
absl::StatusOr<CalibrationData> CalibrationFromArrays(const Graph& g,
                                                      const std::vector<NamedArray>& arrays,
                                                      int64_t limit) {
  const auto& inputs = g.inputs();
  std::vector<Tensor> tensors(inputs.size());
  std::vector<std::string> sources(inputs.size());
  std::vector<bool> given(inputs.size(), false);
  for (const NamedArray& a : arrays) {
    size_t i = 0;
    if (a.input.empty()) {
      if (inputs.size() != 1 || arrays.size() != 1) {
        return absl::InvalidArgumentError(absl::StrCat(
            "the model has ", inputs.size(), " inputs; give calib as a dict of name -> array"));
      }
    } else {
      while (i < inputs.size() && inputs[i]->name() != a.input) ++i;
      if (i == inputs.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("calib names input '", a.input, "', which the model does not have"));
      }
    }
    tensors[i] = a.array;
    sources[i] = a.source;
    given[i] = true;
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!given[i]) {
      return absl::InvalidArgumentError(
          absl::StrCat("no calibration data for model input '", inputs[i]->name(), "'"));
    }
  }
  return CalibrationData::FromTensors(g, std::move(tensors), std::move(sources), limit);
}

// What was asked for, as the model's metadata and the report's settings:
// producer and quantc.* metadata_props (no timestamps: outputs stay
// byte-identical).
std::vector<std::pair<std::string, std::string>> Settings(const QuantizeFlags& p,
                                                          int64_t samples) {
  const GenericQuantizeOptions& o = p.t.generic;
  return {{"quantc.target", p.tinpu ? "tinpu" : "generic"},
          {"quantc.weight_bits", absl::StrCat(o.qdq.weight_bits)},
          {"quantc.observer", std::string(ObserverKindName(o.calibrate.observer))},
          {"quantc.calibration_samples", absl::StrCat(samples)}};
}

std::vector<std::unique_ptr<Pass>> Pipeline(const QuantizeFlags& p) {
  return p.tinpu ? TinpuQuantizePipeline(p.t) : GenericQuantizePipeline(p.t.generic);
}

// Loads --calib's files or wraps the arrays.
absl::StatusOr<CalibrationData> LoadCalibration(const Graph& g, const CalibInput& calib,
                                                int64_t limit) {
  return calib.arrays ? CalibrationFromArrays(g, *calib.arrays, limit)
                      : CalibrationData::Load(g, calib.spec, limit);
}

// A model quantized elsewhere keeps its quantization; calibration data,
// when given, only measures the ranges it lacks.
absl::StatusOr<QuantizeOutput> QuantizeQuantized(const ModelInput& model,
                                                 std::unique_ptr<Graph> graph,
                                                 const QuantizeFlags& p, const CalibInput& calib,
                                                 const cli::Args& args, const Console& console,
                                                 bool want_report) {
  QC_RETURN_IF_ERROR(RejectForImported(args, p.tinpu, calib.given()));
  QC_RETURN_IF_ERROR(CheckPrintIrAfter(args, ImportedPassNames(p)));
  std::optional<CalibrationData> data;
  if (calib.given()) {
    QC_ASSIGN_OR_RETURN(data, LoadCalibration(*graph, calib, p.calib_limit));
  }
  return QuantizeImported(model, std::move(graph), p, data ? &*data : nullptr, args, console,
                          want_report);
}

}  // namespace

void StampProvenance(Graph& g, const std::vector<std::pair<std::string, std::string>>& stamp) {
  ModelInfo& info = g.info();
  info.producer_name = "quantc";
  info.producer_version = kQuantcVersion;
  for (const auto& kv : stamp) {
    auto it = std::find_if(info.metadata.begin(), info.metadata.end(),
                           [&](const auto& m) { return m.first == kv.first; });
    if (it != info.metadata.end()) {
      it->second = kv.second;
    } else {
      info.metadata.push_back(kv);
    }
  }
}

absl::StatusOr<QuantizeOutput> Quantize(const ModelInput& model, const CalibInput& calib,
                                        const cli::Args& args, const Console& console,
                                        bool want_report) {
  QC_ASSIGN_OR_RETURN(QuantizeFlags p, ParseQuantizeFlags(args));
  want_report = want_report || p.report || args.Has("verbose");
  if (args.Has("report-samples") && !want_report) {
    return cli::AsUsageError(
        absl::InvalidArgumentError("--report-samples needs --report or --verbose"));
  }
  QC_ASSIGN_OR_RETURN(std::unique_ptr<Graph> graph, LoadModel(model));
  if (IsQuantizedModel(*graph)) {
    return QuantizeQuantized(model, std::move(graph), p, calib, args, console, want_report);
  }
  if (!calib.given()) return cli::AsUsageError(absl::InvalidArgumentError("missing --calib=DATA"));
  {
    // Usage errors before the data is read: the pipeline's pass names do
    // not depend on it.
    PassManager names;
    names.AddAll(Pipeline(p));
    QC_RETURN_IF_ERROR(CheckPrintIrAfter(args, names.PassNames()));
  }
  std::vector<Diagnostic> log;
  // The report describes the model as the user gave it.
  std::unique_ptr<Graph> original = want_report ? graph->Clone() : nullptr;
  QC_ASSIGN_OR_RETURN(graph, UpgradeForPerChannel(std::move(graph), model, log));
  QC_RETURN_IF_ERROR(CheckFloatOps(*graph, p.t.generic.float_ops));
  absl::StatusOr<CalibrationData> data = LoadCalibration(*graph, calib, p.calib_limit);
  if (!data.ok()) return data.status();
  p.t.generic.calibrate.data = &*data;
  if (console.progress) {
    p.t.generic.calibrate.progress = [&](int64_t done, int64_t total) {
      console.progress("calibrate", done, total);
    };
  }
  p.t.generic.log = &log;

  // The report compares against the calibrated float model and, for TINPU,
  // reads the legalized QDQ model the integers come from: keep copies.
  std::unique_ptr<Graph> calibrated, legalized;
  PassManagerOptions options;
  options.check_changed = args.Has("verify-each");
  PassManager pm(std::move(options));
  pm.AddAll(Pipeline(p));
  QC_RETURN_IF_ERROR(AddIrPrinter(args, console, pm, [&](const Pass& pass, const Graph& g, bool) {
    if (want_report && pass.name() == "calibrate") calibrated = g.Clone();
    if (want_report && pass.name() == "legalize_tinpu") legalized = g.Clone();
  }));
  if (auto r = pm.Run(*graph); !r.ok()) return InModel(model, r.status());
  // ORT's non-VNNI x86 kernels, not the model, are at fault: a note.
  if (!p.tinpu) {
    for (Diagnostic& d : report::X86SaturationNotes(*graph)) log.push_back(std::move(d));
  }
  if (console.diagnostic) {
    for (const Diagnostic& d : log) console.diagnostic(d);
  }
  const auto settings = Settings(p, data->num_samples());
  QuantizeOutput out;
  if (want_report) {
    report::QuantizeReportInputs in;
    in.model_name = model.name();
    in.tinpu = p.tinpu;
    in.weight_bits = p.t.generic.qdq.weight_bits;
    in.output_int = p.t.output_int;
    in.original = original.get();
    in.calibrated = calibrated.get();
    in.qdq = p.tinpu ? legalized.get() : graph.get();
    in.emitted = graph.get();
    in.data = &*data;
    in.diagnostics = &log;
    in.settings = settings;
    in.max_samples = p.report_samples;
    if (console.progress) {
      in.progress = [&](int64_t done, int64_t total) { console.progress("report", done, total); };
    }
    auto doc = report::BuildQuantizeReport(in);
    if (!doc.ok()) return InModel(model, doc.status());
    if (args.Has("verbose") && console.err) console.err(report::ToText(*doc));
    out.report_json = report::ToJson(*doc);
    if (p.report == ReportFormat::kJson) out.report_file = out.report_json;
    if (p.report == ReportFormat::kHtml) out.report_file = report::ToHtml(*doc);
  }
  StampProvenance(*graph, settings);
  auto bytes = p.tinpu ? tinpu::SerializeTinpu(*graph) : ExportModelBytes(*graph);
  if (!bytes.ok()) return InModel(model, bytes.status());
  out.model = *std::move(bytes);
  return out;
}

}  // namespace quantc::api
