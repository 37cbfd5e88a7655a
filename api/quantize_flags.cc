// `quantc quantize`'s flag table and its translation into pipeline options.
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "api/quantize.h"
#include "util/status_macros.h"

namespace quantc::api {
namespace {

absl::Status Usage(const std::string& message) {
  return cli::AsUsageError(absl::InvalidArgumentError(message));
}

absl::Status ParseInt(const cli::Args& a, const std::string& name, int64_t lo, int64_t hi,
                      int64_t& out) {
  if (!a.Has(name)) return absl::OkStatus();
  if (!absl::SimpleAtoi(a.Get(name), &out) || out < lo || out > hi) {
    return Usage(absl::StrCat("--", name, " must be an integer in [", lo, ", ", hi, "]"));
  }
  return absl::OkStatus();
}

absl::Status ParseDouble(const cli::Args& a, const std::string& name, double& out) {
  if (a.Has(name) && !absl::SimpleAtod(a.Get(name), &out)) {
    return Usage(absl::StrCat("--", name, " must be a number"));
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
    return Usage(tinpu ? absl::StrCat("--", f, " does not apply to --target=tinpu (TINPU fixes its "
                                               "own activation and weight schemes)")
                       : absl::StrCat("--", f, " needs --target=tinpu"));
  }
  if (a.Has("percentile") && observer != ObserverKind::kPercentile) {
    return Usage("--percentile needs --observer=percentile");
  }
  if (a.Has("ema-momentum") && observer != ObserverKind::kEma) {
    return Usage("--ema-momentum needs --observer=ema");
  }
  return absl::OkStatus();
}

// The weight and activation schemes (both targets parse them; tinpu
// rejected the generic-only ones above).
absl::Status ParseSchemes(const cli::Args& a, QuantizeFlags& p) {
  GenericQuantizeOptions& g = p.t.generic;
  int64_t bits = a.Has("reduce-range") ? 7 : 8;
  QC_RETURN_IF_ERROR(ParseInt(a, "weight-bits", 2, 8, bits));
  if (bits != 8 && bits != 7 && bits != 4 && bits != 2) {
    return Usage("--weight-bits must be 8, 7, 4 or 2");
  }
  if (a.Has("reduce-range") && bits != 7) {
    return Usage("--reduce-range means 7-bit weights; drop --weight-bits");
  }
  if (p.tinpu && bits == 7) return Usage("--target=tinpu takes 8, 4 or 2 weight bits");
  const std::string gran = a.Get("weight-granularity", "per-channel");
  if (gran != "per-channel" && gran != "per-tensor") {
    return Usage("--weight-granularity must be per-channel or per-tensor");
  }
  const std::string wobs = a.Get("weight-observer", "minmax");
  if (wobs != "minmax" && wobs != "mse") return Usage("--weight-observer must be minmax or mse");
  const std::string act = a.Get("act-dtype", "int8");
  if (act != "int8" && act != "uint8") return Usage("--act-dtype must be int8 or uint8");
  ActivationScheme scheme;
  scheme.storage = act == "uint8" ? DType::kUInt8 : DType::kInt8;
  scheme.symmetric = a.Has("act-symmetric");
  scheme.power2 = a.Has("power2-scale");
  g.calibrate.scheme = scheme;
  g.qdq.activations = scheme;
  g.qdq.weight_mse = wobs == "mse";
  g.qdq.weight_bits = static_cast<int>(bits);
  g.qdq.weight_per_tensor = gran == "per-tensor";
  g.qdq.weight_power2 = scheme.power2;
  return absl::OkStatus();
}

}  // namespace

const cli::CommandSpec& QuantizeSpec() {
  using cli::Bool;
  using cli::InGroup;
  using cli::Value;
  const std::string generic = "generic target only (tinpu fixes these itself and rejects them):";
  const std::string tinpu = "TINPU target only:";
  static const cli::CommandSpec* spec = new cli::CommandSpec{
      "quantize",
      "post-training quantization (int8 ONNX QDQ, or TI NPU integers)",
      "quantc quantize MODEL.onnx -o OUT.onnx --calib=DATA [options]\n"
      "       quantc quantize QUANTIZED.onnx -o OUT.onnx [--calib=DATA] [--target=...]",
      "Post-training quantization of a float ONNX model to a standard int8 ONNX QDQ model "
      "(QuantizeLinear/DequantizeLinear around float ops, which ONNX Runtime and MCU toolchains "
      "run as integer kernels), or to TI's NPU integer format.\n\n"
      "A model that is already quantized (QDQ from PyTorch or ONNX Runtime's quantizer, "
      "QOperator ops such as QLinearConv, MatMulInteger/ConvInteger) keeps its own "
      "quantization: --target=generic normalizes it to quantc's QDQ conventions, --target=tinpu "
      "maps its scales to TINPU through the same legalization (each change logged with its "
      "cost). No calibration data is needed; --calib only measures the ranges of float tensors "
      "the target needs quantized and the model does not imply (without it they are an error "
      "listing them), and prices TINPU repairs on the model output. Flags the model's own "
      "quantization decides (--weight-bits, --act-dtype, --bias-correction, ...) are rejected.",
      {cli::Required("output", "FILE", "output model", "o"),
       Value("target", "generic|tinpu", "generic",
             "generic: the int8 QDQ target; tinpu: TI's NPU integer ONNX format (power-of-two "
             "scales, offset-scale-shift requantization)"),
       Value("calib", "DATA", "",
             "FILE.npy (N, ...) for a single-input model, NAME=FILE.npy[,NAME2=FILE2.npy] per "
             "input, or a folder of <input name>.npy files; required for a float model"),
       Value("calib-limit", "N", "all", "use the first N samples"),
       Value("calib-batch", "B", "32",
             "samples per observer update; only --observer=ema depends on it (the other "
             "observers see the same values whatever the batching)"),
       Value("calib-epochs", "E", "1",
             "passes over the data; again only --observer=ema moves with more passes"),
       Value("observer", "KIND", "minmax for generic, mse for tinpu",
             "activation observer: minmax, ema, percentile, mse or entropy"),
       Value("percentile", "P", "99.99", "with --observer=percentile"),
       Value("ema-momentum", "M", "0.01", "with --observer=ema"),
       Value("weight-bits", "8|7|4|2", "8",
             "weight range +-(2^(bits-1)-1), stored as int8 (tinpu: 8, 4 or 2)"),
       Value("weight-observer", "minmax|mse", "minmax",
             "weight scales from max |w|, or minimizing reconstruction error (helps at 4 and 2 "
             "bits)"),
       Value("float-ops", "LIST", "", "node names or op types kept in float, comma-separated"),
       Value("bn-update-epochs", "N", "0",
             "re-estimate BatchNormalization statistics on the calibration data N times before "
             "folding (0: keep the trained statistics)"),
       cli::OptionalValue("bias-correction", "FACTOR", "off", "1",
                          "move each layer's bias by FACTOR (in [0, 1]) times its per-channel "
                          "output mean error on the calibration data, measured in the model that "
                          "will be emitted"),
       Value("report", "FILE", "",
             "FILE.json: per-tensor range, scale, zero point, bits, histogram and SQNR against "
             "the float model on the calibration data, per-layer SQNR, the model outputs' SQNR, "
             "every repair with its cost (tinpu: and NPU placement); FILE.html: the same as one "
             "self-contained page with charts"),
       Value("report-samples", "N", "16",
             "measure the report's SQNR and histograms on N evenly spaced calibration samples "
             "(0: all of them, which costs a full pass of both models over the data)"),
       Bool("verbose", "print that report as a table, and every note (stderr)", "v"),
       Bool("print-ir-after-all", "print the IR after every pass (stdout)"),
       Value("print-ir-after", "NAME", "", "print the IR after pass NAME"),
       Bool("verify-each", "also check each pass's \"changed\" report"),
       Bool("quiet", "no progress bar", "q"),
       Bool("help", "print this help and exit", "h"),
       InGroup(generic, Value("weight-granularity", "G", "per-channel", "per-channel or per-tensor")),
       InGroup(generic, Value("act-dtype", "int8|uint8", "int8", "activation storage")),
       InGroup(generic, Bool("act-symmetric",
                             "symmetric activations in ONNX Runtime's sense (its "
                             "ActivationSymmetric): zero point 0 for int8, 128 for uint8, scale "
                             "max|x| / 127.5")),
       InGroup(generic, Bool("power2-scale", "round every scale up to a power of two")),
       InGroup(generic, Bool("reduce-range",
                             "7-bit weights (ONNX Runtime's reduce_range): ONNX Runtime's fused "
                             "int8 kernels on x86 CPUs without VNNI cannot saturate on them; "
                             "same as --weight-bits=7")),
       InGroup(tinpu, Value("input-mode", "quantize|prequantized", "quantize",
                            "quantize the float input in the graph, or take integers already "
                            "quantized at the input's scale (no input block, so no limit on that "
                            "scale; printed with --verbose and written to --report)")),
       InGroup(tinpu, Bool("output-int", "output the last layer's integers, as happens without --output-float")),
       InGroup(tinpu, Bool("output-float", "output real values (a final Mul)"))},
      "A repair that costs more than 1 dB of output SQNR on the calibration data prints one "
      "warning line; every other repair and notice (for example the layers whose weights can "
      "saturate ONNX Runtime's x86 kernels without VNNI) is shown with --verbose and written to "
      "--report. Models below opset 13 are upgraded to 13 (ONNX's version converter) so weights "
      "can be quantized per channel."};
  return *spec;
}

absl::StatusOr<QuantizeFlags> ParseQuantizeFlags(const cli::Args& a) {
  QuantizeFlags p;
  GenericQuantizeOptions& g = p.t.generic;
  const std::string target = a.Get("target", "generic");
  if (target != "generic" && target != "tinpu") {
    return Usage(absl::StrCat("unknown --target '", target, "'"));
  }
  p.tinpu = target == "tinpu";
  auto kind = ParseObserverKind(
      a.Get("observer", std::string(ObserverKindName(DefaultActivationObserver(p.tinpu)))));
  if (!kind.ok()) return cli::AsUsageError(kind.status());
  QC_RETURN_IF_ERROR(RejectInapplicable(a, p.tinpu, *kind));
  const std::string input_mode = a.Get("input-mode", "quantize");
  if (input_mode != "quantize" && input_mode != "prequantized") {
    return Usage("--input-mode must be quantize or prequantized");
  }
  if (a.Has("output-float") && a.Has("output-int")) {
    return Usage("--output-int and --output-float exclude each other");
  }
  p.t.input_prequantized = input_mode == "prequantized";
  p.t.output_int = !a.Has("output-float");
  int64_t batch = 32, epochs = 1, bn_epochs = 0;
  for (auto st : {ParseInt(a, "calib-limit", 1, INT64_MAX, p.calib_limit),
                  ParseInt(a, "report-samples", 0, INT64_MAX, p.report_samples),
                  ParseInt(a, "calib-batch", 1, 1 << 20, batch),
                  ParseInt(a, "calib-epochs", 1, 1000, epochs),
                  ParseInt(a, "bn-update-epochs", 0, 100, bn_epochs),
                  ParseDouble(a, "percentile", g.calibrate.observer_options.percentile),
                  ParseDouble(a, "ema-momentum", g.calibrate.observer_options.ema_momentum)}) {
    if (!st.ok()) return st;
  }
  QC_RETURN_IF_ERROR(ParseSchemes(a, p));
  if (auto st = ValidateObserverOptions(g.calibrate.observer_options); !st.ok()) {
    return cli::AsUsageError(st);
  }
  g.calibrate.observer = *kind;
  g.calibrate.batch = batch;
  g.calibrate.epochs = static_cast<int>(epochs);
  g.bn_update_epochs = static_cast<int>(bn_epochs);
  if (a.Has("bias-correction")) {
    g.bias_correction = 1.0;
    const std::string f = a.Get("bias-correction");
    if (!f.empty() && (!absl::SimpleAtod(f, &g.bias_correction) || g.bias_correction < 0 ||
                       g.bias_correction > 1)) {
      return Usage("--bias-correction=FACTOR needs a factor in [0, 1]");
    }
  }
  if (a.Has("float-ops")) g.float_ops = absl::StrSplit(a.Get("float-ops"), ',', absl::SkipWhitespace());
  if (p.tinpu) {
    if (auto st = ValidateTinpuOptions(p.t); !st.ok()) return cli::AsUsageError(st);
  }
  if (a.Has("report")) {
    QC_ASSIGN_OR_RETURN(p.report, ReportFormatOf(a.Get("report")));
  }
  return p;
}

}  // namespace quantc::api
