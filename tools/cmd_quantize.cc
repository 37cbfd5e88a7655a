// `quantc quantize MODEL.onnx -o OUT.onnx --target=generic --calib=DATA`:
// post-training quantization to a standard int8 ONNX QDQ model.
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "ir/onnx_export.h"
#include "ir/onnx_import.h"
#include "ir/printer.h"
#include "ir/verifier.h"
#include "passes/import/import_quantization.h"
#include "passes/insert_observers.h"
#include "passes/mark_float_ops.h"
#include "passes/pass_manager.h"
#include "passes/pipelines.h"
#include "backends/tinpu/serialize.h"
#include "quant/calibration_data.h"
#include "tools/cli.h"
#include "tools/commands.h"
#include "tools/print_ir.h"
#include "tools/quantize_imported.h"
#include "tools/quantize_report.h"
#include "util/file.h"
#include "util/status_macros.h"

namespace quantc {
namespace {

// The first opset with per-axis QuantizeLinear/DequantizeLinear.
constexpr int64_t kPerChannelOpset = 13;

constexpr char kHelp[] = R"(usage: quantc quantize MODEL.onnx -o OUT.onnx --calib=DATA [options]
       quantc quantize QUANTIZED.onnx -o OUT.onnx [--calib=DATA] [--target=...]

Post-training quantization of a float ONNX model to a standard int8 ONNX QDQ
model (QuantizeLinear/DequantizeLinear around float ops, which ONNX Runtime
and MCU toolchains run as integer kernels), or to TI's NPU integer format.

A model that is already quantized (QDQ from PyTorch or ONNX Runtime's
quantizer, QOperator ops such as QLinearConv, MatMulInteger/ConvInteger) keeps
its own quantization: --target=generic normalizes it to quantc's QDQ
conventions, --target=tinpu maps its scales to TINPU through the same
legalization (each change logged with its cost). No calibration data is
needed; --calib only measures the ranges of float tensors the target needs
quantized and the model does not imply (without it they are an error listing
them), and prices TINPU repairs on the model output. Flags the model's own
quantization decides (--weight-bits, --act-dtype, --bias-correction, ...) are
rejected.

  -o, --output=FILE            output model (required)
  --target=generic             the int8 QDQ target (default)
  --target=tinpu               TI's NPU integer ONNX format (power-of-two
                               scales, offset-scale-shift requantization)
  --calib=DATA                 FILE.npy (N, ...) for a single-input model,
                               NAME=FILE.npy[,NAME2=FILE2.npy] per input, or a
                               folder of <input name>.npy files
  --calib-limit=N              use the first N samples
  --calib-batch=B              samples per observer update (default 32); only
                               --observer=ema depends on it (the other
                               observers see the same values whatever the
                               batching)
  --calib-epochs=E             passes over the data (default 1); again only
                               --observer=ema moves with more passes
  --observer=KIND              activation observer: minmax (default for
                               generic), ema, percentile, mse (default for
                               tinpu), entropy
  --percentile=P               with --observer=percentile (default 99.99)
  --ema-momentum=M             with --observer=ema (default 0.01)
  --weight-bits=8|7|4|2        weight range ±(2^(bits-1)-1), stored as int8
                               (tinpu: 8, 4 or 2)
  --weight-observer=minmax|mse weight scales from max |w| (default) or
                               minimizing reconstruction error (helps at
                               4 and 2 bits)
  --float-ops=LIST             node names or op types kept in float
  --bn-update-epochs=N         re-estimate BatchNormalization statistics on
                               the calibration data N times before folding
                               (default 0: keep the trained statistics)
  --bias-correction[=FACTOR]   move each layer's bias by FACTOR (default 1)
                               times its per-channel output mean error on
                               the calibration data, measured in the model
                               that will be emitted
  --report=FILE.json           per-tensor range, scale, zero point and SQNR
                               against the float model on the calibration
                               data, the model outputs' SQNR, every repair
                               with its cost (tinpu: and NPU placement)
  --verbose                    print that report as a table, and every note
                               (stderr)
  --print-ir-after-all         print the IR after every pass (stdout)
  --print-ir-after=NAME        print the IR after pass NAME
  --verify-each                also check each pass's "changed" report
  -q, --quiet                  no progress bar

Generic target only (tinpu fixes these itself and rejects them):
  --weight-granularity=G       per-channel (default) or per-tensor
  --act-dtype=int8|uint8       activation storage (default int8)
  --act-symmetric              symmetric activations in ONNX Runtime's sense
                               (its ActivationSymmetric): zero point 0 for
                               int8, 128 for uint8, scale max|x| / 127.5
  --power2-scale               round every scale up to a power of two
  --reduce-range               7-bit weights (ONNX Runtime's reduce_range):
                               ONNX Runtime's fused int8 kernels on x86 CPUs
                               without VNNI cannot saturate on them; same as
                               --weight-bits=7

TINPU target only:
  --input-mode=quantize|prequantized
                               quantize the float input in the graph
                               (default), or take integers already quantized
                               at the input's scale (no input block, so no
                               limit on that scale; printed with --verbose
                               and written to --report)
  --output-int | --output-float
                               output the last layer's integers (default),
                               or real values (a final Mul)

A repair that costs more than 1 dB of output SQNR on the calibration data
prints one warning line; every other repair and notice (for example the
layers whose weights can saturate ONNX Runtime's x86 kernels without VNNI)
is shown with --verbose and written to --report.
Models below opset 13 are upgraded to 13 (ONNX's version converter) so
weights can be quantized per channel.
Flags take their value after '=' or as the next argument.
)";

struct Parsed {
  std::string model, output, calib;
  int64_t calib_limit = 0;
  bool tinpu = false;
  TinpuQuantizeOptions t;  ///< t.generic holds everything both targets share
};

absl::Status ParseInt(const cli::Args& a, const std::string& name, int64_t lo, int64_t hi,
                      int64_t& out) {
  if (!a.Has(name)) return absl::OkStatus();
  if (!absl::SimpleAtoi(a.Get(name), &out) || out < lo || out > hi) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, " must be an integer in [", lo, ", ", hi, "]"));
  }
  return absl::OkStatus();
}

absl::Status ParseDouble(const cli::Args& a, const std::string& name, double& out) {
  if (a.Has(name) && !absl::SimpleAtod(a.Get(name), &out)) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, " must be a number"));
  }
  return absl::OkStatus();
}

// Flags a target (or an observer) would ignore are rejected rather than
// silently dropped: every accepted flag changes the output or is documented
// as not doing so (--calib-batch/--calib-epochs for non-EMA observers).
absl::Status RejectInapplicable(const cli::Args& a, bool tinpu, ObserverKind observer) {
  const std::vector<const char*> generic_only = {"weight-granularity", "act-dtype", "act-symmetric",
                                                 "power2-scale", "reduce-range"};
  const std::vector<const char*> tinpu_only = {"input-mode", "output-int", "output-float"};
  for (const char* f : tinpu ? generic_only : tinpu_only) {
    if (!a.Has(f)) continue;
    return absl::InvalidArgumentError(
        tinpu ? absl::StrCat("--", f, " does not apply to --target=tinpu (TINPU fixes its own "
                                      "activation and weight schemes)")
              : absl::StrCat("--", f, " needs --target=tinpu"));
  }
  if (a.Has("percentile") && observer != ObserverKind::kPercentile) {
    return absl::InvalidArgumentError("--percentile needs --observer=percentile");
  }
  if (a.Has("ema-momentum") && observer != ObserverKind::kEma) {
    return absl::InvalidArgumentError("--ema-momentum needs --observer=ema");
  }
  return absl::OkStatus();
}

// Turns flags into options; every error here is a usage error.
absl::StatusOr<Parsed> ToOptions(const cli::Args& a) {
  Parsed p;
  if (a.positional.size() != 1) return absl::InvalidArgumentError("expected one MODEL.onnx");
  p.model = a.positional[0];
  if (!a.Has("output")) return absl::InvalidArgumentError("missing -o OUT.onnx");
  p.output = a.Get("output");
  p.calib = a.Get("calib");
  std::string target = a.Get("target", "generic");
  if (target != "generic" && target != "tinpu") {
    return absl::InvalidArgumentError(absl::StrCat("unknown --target '", target, "'"));
  }
  p.tinpu = target == "tinpu";
  // TINPU picks power-of-two exponents: the MSE search prices each choice.
  auto kind = ParseObserverKind(a.Get("observer", p.tinpu ? "mse" : "minmax"));
  if (!kind.ok()) return kind.status();
  QC_RETURN_IF_ERROR(RejectInapplicable(a, p.tinpu, *kind));
  std::string input_mode = a.Get("input-mode", "quantize");
  if (input_mode != "quantize" && input_mode != "prequantized") {
    return absl::InvalidArgumentError("--input-mode must be quantize or prequantized");
  }
  if (a.Has("output-float") && a.Has("output-int")) {
    return absl::InvalidArgumentError("--output-int and --output-float exclude each other");
  }
  p.t.input_prequantized = input_mode == "prequantized";
  p.t.output_int = !a.Has("output-float");
  int64_t batch = 32, epochs = 1, bits = a.Has("reduce-range") ? 7 : 8, bn_epochs = 0;
  for (auto st : {ParseInt(a, "calib-limit", 1, INT64_MAX, p.calib_limit),
                  ParseInt(a, "calib-batch", 1, 1 << 20, batch),
                  ParseInt(a, "calib-epochs", 1, 1000, epochs),
                  ParseInt(a, "weight-bits", 2, 8, bits),
                  ParseInt(a, "bn-update-epochs", 0, 100, bn_epochs),
                  ParseDouble(a, "percentile", p.t.generic.calibrate.observer_options.percentile),
                  ParseDouble(a, "ema-momentum", p.t.generic.calibrate.observer_options.ema_momentum)}) {
    if (!st.ok()) return st;
  }
  if (bits != 8 && bits != 7 && bits != 4 && bits != 2) {
    return absl::InvalidArgumentError("--weight-bits must be 8, 7, 4 or 2");
  }
  if (a.Has("reduce-range") && bits != 7) {
    return absl::InvalidArgumentError("--reduce-range means 7-bit weights; drop --weight-bits");
  }
  if (p.tinpu && bits == 7) return absl::InvalidArgumentError("--target=tinpu takes 8, 4 or 2 weight bits");
  if (auto st = ValidateObserverOptions(p.t.generic.calibrate.observer_options); !st.ok()) return st;
  std::string gran = a.Get("weight-granularity", "per-channel");
  if (gran != "per-channel" && gran != "per-tensor") {
    return absl::InvalidArgumentError("--weight-granularity must be per-channel or per-tensor");
  }
  std::string wobs = a.Get("weight-observer", "minmax");
  if (wobs != "minmax" && wobs != "mse") {
    return absl::InvalidArgumentError("--weight-observer must be minmax or mse");
  }
  p.t.generic.qdq.weight_mse = wobs == "mse";
  std::string act = a.Get("act-dtype", "int8");
  if (act != "int8" && act != "uint8") return absl::InvalidArgumentError("--act-dtype must be int8 or uint8");
  ActivationScheme scheme;
  scheme.storage = act == "uint8" ? DType::kUInt8 : DType::kInt8;
  scheme.symmetric = a.Has("act-symmetric");
  scheme.power2 = a.Has("power2-scale");
  p.t.generic.calibrate.observer = *kind;
  p.t.generic.calibrate.scheme = scheme;
  p.t.generic.calibrate.batch = batch;
  p.t.generic.calibrate.epochs = static_cast<int>(epochs);
  p.t.generic.bn_update_epochs = static_cast<int>(bn_epochs);
  p.t.generic.qdq.activations = scheme;
  p.t.generic.qdq.weight_bits = static_cast<int>(bits);
  p.t.generic.qdq.weight_per_tensor = gran == "per-tensor";
  p.t.generic.qdq.weight_power2 = scheme.power2;
  if (a.Has("bias-correction")) {
    p.t.generic.bias_correction = 1.0;
    std::string f = a.Get("bias-correction");
    if (!f.empty() && (!absl::SimpleAtod(f, &p.t.generic.bias_correction) || p.t.generic.bias_correction < 0 ||
                       p.t.generic.bias_correction > 1)) {
      return absl::InvalidArgumentError("--bias-correction=FACTOR needs a factor in [0, 1]");
    }
  }
  if (a.Has("float-ops")) {
    p.t.generic.float_ops = absl::StrSplit(a.Get("float-ops"), ',', absl::SkipWhitespace());
  }
  if (p.tinpu) QC_RETURN_IF_ERROR(ValidateTinpuOptions(p.t));
  return p;
}

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

void DrawProgress(int64_t done, int64_t total) {
  int width = 30;
  int filled = static_cast<int>(width * done / std::max<int64_t>(total, 1));
  std::fprintf(stderr, "\rcalibrating [%s%s] %lld/%lld", std::string(filled, '#').c_str(),
               std::string(width - filled, '.').c_str(), static_cast<long long>(done),
               static_cast<long long>(total));
  if (done == total) std::fputc('\n', stderr);
  std::fflush(stderr);
}

// Import, verify, upgrade old opsets, check --float-ops.
absl::StatusOr<std::unique_ptr<Graph>> LoadModel(const Parsed& p) {
  QC_ASSIGN_OR_RETURN(std::unique_ptr<Graph> graph, ImportModelFile(p.model));
  if (auto st = VerifyGraph(*graph); !st.ok()) {
    return absl::Status(st.code(), absl::StrCat(p.model, ": ", st.message()));
  }
  if (graph->opset() < kPerChannelOpset) {
    // Per-channel DequantizeLinear needs opset 13: upgrade older exports
    // with ONNX's version converter rather than fall back to per-tensor.
    auto upgraded = ConvertOpset(*graph, kPerChannelOpset);
    if (upgraded.ok()) {
      graph = *std::move(upgraded);
    } else {
      std::fprintf(stderr, "quantc: warning: %s: staying at opset %lld with per-tensor weights (%s)\n",
                   p.model.c_str(), static_cast<long long>(graph->opset()),
                   std::string(upgraded.status().message()).c_str());
    }
  }
  QC_RETURN_IF_ERROR(CheckFloatOps(*graph, p.t.generic.float_ops));
  return graph;
}

// Who made the model and how (tools/quantize_report.h StampProvenance).
void StampProvenance(const Parsed& p, Graph& g) {
  const GenericQuantizeOptions& o = p.t.generic;
  quantc::StampProvenance(g, {
      {"quantc.target", p.tinpu ? "tinpu" : "generic"},
      {"quantc.weight_bits", absl::StrCat(o.qdq.weight_bits)},
      {"quantc.observer", std::string(ObserverKindName(o.calibrate.observer))},
      {"quantc.calibration_samples", absl::StrCat(o.calibrate.data->num_samples())},
  });
}

// A model quantized elsewhere keeps its quantization (tools/quantize_imported.h);
// --calib, when given, only measures the ranges it lacks.
int QuantizeQuantized(const cli::Args& args, Parsed& parsed, std::unique_ptr<Graph> graph) {
  if (auto st = RejectForImported(args, parsed.tinpu, !parsed.calib.empty()); !st.ok()) {
    return cli::UsageError("quantize", std::string(st.message()));
  }
  std::optional<CalibrationData> data;
  if (!parsed.calib.empty()) {
    auto loaded = CalibrationData::Load(*graph, parsed.calib, parsed.calib_limit);
    if (!loaded.ok()) return cli::ReportError(loaded.status());
    data = *std::move(loaded);
  }
  ImportedQuantizeRun run;
  run.model = parsed.model;
  run.output = parsed.output;
  run.tinpu = parsed.tinpu;
  run.options = parsed.t;
  run.options.generic.calibrate.data = data ? &*data : nullptr;
  run.float_ops = parsed.t.generic.float_ops;
  run.pass_manager.check_changed = args.Has("verify-each");
  run.pass_manager.after_pass = IrPrinter(args);
  run.report_path = args.Get("report");
  run.verbose = args.Has("verbose");
  return QuantizeImported(std::move(graph), run);
}

}  // namespace

int QuantizeCommand(const std::vector<std::string>& argv) {
  auto args = cli::ParseArgs(
      argv, {{"output", "o", true}, {"target", "", true}, {"calib", "", true},
             {"calib-limit", "", true}, {"calib-batch", "", true}, {"calib-epochs", "", true},
             {"observer", "", true}, {"percentile", "", true}, {"ema-momentum", "", true},
             {"weight-bits", "", true}, {"weight-granularity", "", true}, {"act-dtype", "", true},
             {"act-symmetric", "", false}, {"power2-scale", "", false}, {"float-ops", "", true},
             {"bias-correction", "", true, true}, {"bn-update-epochs", "", true},
             {"weight-observer", "", true},
             {"print-ir-after-all", "", false}, {"print-ir-after", "", true},
             {"verify-each", "", false}, {"quiet", "q", false}, {"help", "h", false},
             {"report", "", true}, {"verbose", "v", false}, {"input-mode", "", true},
             {"output-int", "", false}, {"output-float", "", false},
             {"reduce-range", "", false}});
  if (!args.ok()) return cli::UsageError("quantize", std::string(args.status().message()));
  if (args->Has("help")) {
    std::fputs(kHelp, stdout);
    return cli::kOk;
  }
  auto parsed = ToOptions(*args);
  if (!parsed.ok()) return cli::UsageError("quantize", std::string(parsed.status().message()));
  auto graph = LoadModel(*parsed);
  if (!graph.ok()) return cli::ReportError(graph.status());
  if (IsQuantizedModel(**graph)) return QuantizeQuantized(*args, *parsed, *std::move(graph));
  if (parsed->calib.empty()) return cli::UsageError("quantize", "missing --calib=DATA");
  auto in_model = [&](const absl::Status& st) {
    return absl::Status(st.code(), absl::StrCat(parsed->model, ": ", st.message()));
  };
  auto data = CalibrationData::Load(**graph, parsed->calib, parsed->calib_limit);
  if (!data.ok()) return cli::ReportError(data.status());
  parsed->t.generic.calibrate.data = &*data;
  if (!args->Has("quiet") && isatty(STDERR_FILENO)) parsed->t.generic.calibrate.progress = DrawProgress;

  PassManagerOptions options;
  options.check_changed = args->Has("verify-each");
  options.after_pass = IrPrinter(*args);
  // The report compares against the calibrated float model and, for TINPU,
  // reads the legalized QDQ model the integers come from: keep copies.
  bool want_report = args->Has("report") || args->Has("verbose");
  std::unique_ptr<Graph> calibrated, legalized;
  auto print = std::move(options.after_pass);
  options.after_pass = [&](const Pass& pass, const Graph& g, bool changed) {
    if (print) print(pass, g, changed);
    if (want_report && pass.name() == "calibrate") calibrated = g.Clone();
    if (want_report && pass.name() == "legalize_tinpu") legalized = g.Clone();
  };
  PassManager pm(std::move(options));
  std::vector<Diagnostic> log;
  parsed->t.generic.log = &log;
  pm.AddAll(parsed->tinpu ? TinpuQuantizePipeline(parsed->t) : GenericQuantizePipeline(parsed->t.generic));
  if (auto r = pm.Run(**graph); !r.ok()) return cli::ReportError(in_model(r.status()));
  // ORT's non-VNNI x86 kernels, not the model, are at fault: a note.
  if (!parsed->tinpu) {
    for (Diagnostic& d : X86SaturationNotes(**graph)) log.push_back(std::move(d));
  }
  // Warnings always print; notes with --verbose (and all go to --report).
  for (const Diagnostic& d : log) {
    bool warning = d.severity == Diagnostic::Severity::kWarning;
    if (warning || args->Has("verbose")) {
      std::fprintf(stderr, "quantc: %s: %s\n", warning ? "warning" : "note", d.ToString().c_str());
    }
  }
  std::string report_json;
  if (want_report) {
    QuantizeReportInputs in;
    in.tinpu = parsed->tinpu;
    in.weight_bits = parsed->t.generic.qdq.weight_bits;
    in.output_int = parsed->t.output_int;
    in.calibrated = calibrated.get();
    in.qdq = parsed->tinpu ? legalized.get() : graph->get();
    in.emitted = graph->get();
    in.data = &*data;
    in.diagnostics = &log;
    auto report = QuantizeReport(in, args->Has("verbose"));
    if (!report.ok()) return cli::ReportError(in_model(report.status()));
    report_json = *std::move(report);
  }
  StampProvenance(*parsed, **graph);
  auto bytes = parsed->tinpu ? tinpu::SerializeTinpu(**graph)
                             : ExportModelBytes(**graph);
  if (!bytes.ok()) return cli::ReportError(in_model(bytes.status()));
  if (auto st = WriteFileAtomically(parsed->output, *bytes); !st.ok()) return cli::ReportError(st);
  if (args->Has("report")) {
    if (auto st = WriteFileAtomically(args->Get("report"), report_json); !st.ok()) {
      return cli::ReportError(st);
    }
  }
  return cli::kOk;
}

}  // namespace quantc
