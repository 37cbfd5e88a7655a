// `quantc train`'s flag table and its translation into train::TrainOptions
// (no libtorch here: quantc checks the flags before it execs quantc-train).
#include <cmath>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "api/train.h"
#include "util/status_macros.h"

namespace quantc::api {
namespace {

absl::Status Usage(const std::string& message) {
  return cli::AsUsageError(absl::InvalidArgumentError(message));
}

absl::Status Int(const cli::Args& a, const std::string& name, int64_t lo, int64_t hi,
                 int64_t& out) {
  if (!a.Has(name)) return absl::OkStatus();
  if (!absl::SimpleAtoi(a.Get(name), &out) || out < lo || out > hi) {
    return Usage(absl::StrCat("--", name, " must be an integer in [", lo, ", ", hi, "]"));
  }
  return absl::OkStatus();
}

absl::Status Real(const cli::Args& a, const std::string& name, double lo, double& out) {
  if (!a.Has(name)) return absl::OkStatus();
  if (!absl::SimpleAtod(a.Get(name), &out) || !(out >= lo) || !std::isfinite(out)) {
    return Usage(absl::StrCat("--", name, " must be a number >= ", lo));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> OneOf(const cli::Args& a, const std::string& name,
                                  const std::vector<std::string>& values) {
  std::string v = a.Get(name, values[0]);
  for (const std::string& ok : values) {
    if (v == ok) return v;
  }
  return Usage(absl::StrCat("--", name, " must be ", absl::StrJoin(values, " or ")));
}

absl::Status ParseReports(const cli::Args& a, TrainFlags& f) {
  if (!a.Has("report")) return absl::OkStatus();
  for (absl::string_view file : absl::StrSplit(a.Get("report"), ',', absl::SkipEmpty())) {
    QC_ASSIGN_OR_RETURN(ReportFormat format, ReportFormatOf(std::string(file)));
    f.reports.emplace_back(std::string(file), format);
  }
  if (f.reports.empty()) return Usage("--report needs a file name");
  return absl::OkStatus();
}

// Enumerated flags and the TINPU output flags.
absl::Status ParseChoices(const cli::Args& a, TrainFlags& f) {
  train::TrainOptions& o = f.options;
  auto target = OneOf(a, "target", {"generic", "tinpu"});
  auto opt = OneOf(a, "optimizer", {"adam", "sgd"});
  auto sched = OneOf(a, "lr-schedule", {"cosine", "constant"});
  auto loss = OneOf(a, "loss", {"cross-entropy", "mse"});
  for (const auto* s : {&target, &opt, &sched, &loss}) {
    if (!s->ok()) return s->status();
  }
  o.target = *target == "tinpu" ? train::Target::kTinpu : train::Target::kGeneric;
  o.optimizer = *opt == "adam" ? train::Optimizer::kAdam : train::Optimizer::kSgd;
  o.lr_schedule = *sched == "cosine" ? train::LrSchedule::kCosine : train::LrSchedule::kConstant;
  o.loss = *loss == "mse" ? train::Loss::kMse : train::Loss::kCrossEntropy;
  f.metric = o.loss == train::Loss::kMse ? Metric::kMse : Metric::kTop1;
  if (o.target != train::Target::kTinpu && (a.Has("output-int") || a.Has("output-float"))) {
    return Usage("--output-int/--output-float need --target=tinpu");
  }
  if (a.Has("output-int") && a.Has("output-float")) {
    return Usage("--output-int and --output-float exclude each other");
  }
  o.output_int = !a.Has("output-float");
  if (o.target == train::Target::kTinpu && o.loss == train::Loss::kMse && o.output_int) {
    return Usage("--loss=mse with --target=tinpu needs --output-float (real outputs)");
  }
  f.settings = {{"target", *target}};
  if (o.target == train::Target::kTinpu) {
    f.settings.emplace_back("output", o.output_int ? "int" : "float");
  }
  const std::vector<std::pair<std::string, std::string>> more = {
      {"optimizer", *opt}, {"lr-schedule", *sched}, {"loss", *loss}};
  f.settings.insert(f.settings.end(), more.begin(), more.end());
  return absl::OkStatus();
}

absl::Status ParseNumbers(const cli::Args& a, TrainFlags& f) {
  train::TrainOptions& o = f.options;
  int64_t epochs = 0, bits = 8, batch = o.batch_size, seed = 0, threads = 0;
  for (const absl::Status& st :
       {Int(a, "epochs", 1, 100000, epochs), Int(a, "weight-bits", 2, 8, bits),
        Int(a, "batch-size", 1, 1 << 20, batch), Int(a, "seed", 0, INT64_MAX, seed),
        Int(a, "threads", 1, 1024, threads), Real(a, "lr", 0, o.lr),
        Real(a, "momentum", 0, o.momentum), Real(a, "weight-decay", 0, o.weight_decay),
        Real(a, "bias-calibration", 0, o.bias_calibration)}) {
    QC_RETURN_IF_ERROR(st);
  }
  if (bits != 8 && bits != 4 && bits != 2) return Usage("--weight-bits must be 8, 4 or 2");
  if (o.bias_calibration > 1) return Usage("--bias-calibration must be in [0, 1]");
  o.epochs = static_cast<int>(epochs);
  o.weight_bits = static_cast<int>(bits);
  o.batch_size = batch;
  o.seed = static_cast<uint64_t>(seed);
  o.threads = static_cast<int>(threads);
  for (auto [name, dst] : {std::pair{"bn-update-epochs", &o.bn_update},
                           std::pair{"observer-update-epochs", &o.observer_update}}) {
    if (!a.Has(name)) continue;
    auto s = train::ParseFreezeSetting(a.Get(name));
    if (!s.ok()) return Usage(absl::StrCat("--", name, ": ", s.status().message()));
    *dst = *s;
  }
  auto setting = [](const train::FreezeSetting& s) {
    return s.never ? std::string("never") : s.epochs == 0 ? "default" : absl::StrCat(s.epochs);
  };
  const std::vector<std::pair<std::string, std::string>> more = {
      {"weight-bits", absl::StrCat(bits)},
      {"epochs", absl::StrCat(epochs)},
      {"bn-update-epochs", setting(o.bn_update)},
      {"observer-update-epochs", setting(o.observer_update)},
      {"lr", absl::StrCat(o.lr)},
      {"momentum", absl::StrCat(o.momentum)},
      {"weight-decay", absl::StrCat(o.weight_decay)},
      {"batch-size", absl::StrCat(batch)},
      {"bias-calibration", absl::StrCat(o.bias_calibration)},
      {"seed", absl::StrCat(seed)}};
  f.settings.insert(f.settings.end(), more.begin(), more.end());
  return absl::OkStatus();
}

}  // namespace

const cli::CommandSpec& TrainSpec() {
  using cli::Bool;
  using cli::InGroup;
  using cli::Required;
  using cli::Value;
  const std::string data = "data:";
  const std::string schedule = "schedule (TI's QAT wrappers: total_epochs and the freeze epochs):";
  const std::string optimizer = "optimizer and loss:";
  const std::string quant = "quantization:";
  const std::string run = "running:";
  static const cli::CommandSpec* spec = new cli::CommandSpec{
      "train",
      "quantization-aware training, then quantize (runs quantc-train)",
      "quantc train MODEL.onnx -o OUT.onnx --train=X.npy --labels=Y.npy --epochs=E [options]",
      "Quantization-aware training: fine-tunes a float ONNX model with fake quantization that "
      "simulates the emitted model exactly, then emits it like `quantc quantize` (the same "
      "passes). Ranges start from a PTQ calibration on the training data (epoch 0 is PTQ "
      "quality). Prints one line per epoch on stderr (loss, train and validation metric of "
      "the fake-quant model, learning rate, what is frozen, seconds) and finally \"float X%, "
      "fake-quant Y%, emitted Z%\" on stdout, on the validation data (the training data "
      "without --val); the float and emitted models are run by the reference interpreter.\n\n"
      "Training runs in the quantc-train binary (it links libtorch), which must sit next to "
      "quantc; the flags are checked before it starts.",
      {Required("output", "FILE", "output model (written only on success)", "o"),
       Value("target", "generic|tinpu", "generic",
             "generic: the int8 QDQ target; tinpu: TI's NPU integer ONNX format"),
       InGroup(data, Required("train", "X.npy",
                              "training inputs (N, ...) with the model input's per-sample shape")),
       InGroup(data, Required("labels", "Y.npy",
                              "training labels: integer classes (N,), or float32 targets "
                              "(N, ...) for --loss=mse")),
       InGroup(data, Value("val", "VX.npy", "",
                           "validation inputs, measured after every epoch (needs --val-labels)")),
       InGroup(data, Value("val-labels", "VY.npy", "", "validation labels")),
       InGroup(schedule, Required("epochs", "E", "total epochs")),
       InGroup(schedule, Value("bn-update-epochs", "K|never", "E//2-1",
                               "BatchNorm statistics update during the first K epochs, then "
                               "freeze; 0 means the default, never is TI's False")),
       InGroup(schedule, Value("observer-update-epochs", "M|never", "E//2+1",
                               "activation ranges follow the data during the first M epochs, "
                               "then freeze; 0 means the default, never is TI's False")),
       InGroup(optimizer, Value("optimizer", "adam|sgd", "adam", "")),
       InGroup(optimizer, Value("lr", "LR", "3e-4", "initial learning rate")),
       InGroup(optimizer, Value("momentum", "M", "0.9", "sgd momentum")),
       InGroup(optimizer, Value("weight-decay", "WD", "0", "")),
       InGroup(optimizer, Value("batch-size", "B", "64", "")),
       InGroup(optimizer, Value("lr-schedule", "cosine|constant", "cosine",
                                "cosine decays to 0 over the epochs, per epoch")),
       InGroup(optimizer, Value("loss", "cross-entropy|mse", "cross-entropy",
                                "also sets the metric: top-1 accuracy or MSE")),
       InGroup(optimizer, Value("seed", "N", "0", "shuffling seed")),
       InGroup(quant, Value("weight-bits", "8|4|2", "8",
                            "weight range +-(2^(b-1)-1); activations are 8-bit")),
       InGroup(quant, Value("bias-calibration", "F", "0",
                            "after training, move each bias by F times its layer's mean output "
                            "error, in [0, 1] (quantize's --bias-correction)")),
       InGroup(quant, Value("float-ops", "LIST", "",
                            "node names or op types kept in float, comma-separated")),
       InGroup(quant, Bool("output-int",
                           "tinpu: output the last layer's integers, as happens "
                           "without --output-float")),
       InGroup(quant, Bool("output-float", "tinpu: output real values (a final Mul)")),
       InGroup(run, Value("threads", "N", "all cores",
                          "libtorch threads; the same seed, data, flags and threads give a "
                          "byte-identical output")),
       InGroup(run, Value("checkpoint", "DIR", "",
                          "save DIR/checkpoint.pt after every epoch (atomically)")),
       InGroup(run, Bool("resume",
                         "continue from DIR/checkpoint.pt (same model, data and "
                         "training flags)")),
       InGroup(run, Value("report", "FILE[,FILE]", "",
                          "FILE.json: per-epoch numbers, the final three, per-layer SQNR "
                          "(fake-quant vs float) and repairs; FILE.html: the same as a page "
                          "with loss and accuracy curves; both: comma-separated")),
       InGroup(run, Value("fake-quant-outputs", "FILE.npy", "",
                          "the simulation's final outputs on the validation (else training) "
                          "data, in the emitted model's units, to compare with it")),
       InGroup(run, Bool("quiet", "no progress output", "q")),
       InGroup(run, Bool("help", "show this help", "h"))},
      "Ctrl-C stops after the current batch and writes nothing; the last checkpoint stays "
      "usable with --resume (exit code 130). A loss that becomes NaN is invalid input (3), "
      "naming the epoch; an op training or the target cannot handle is unsupported (4)."};
  return *spec;
}

std::string TrainFlags::SettingsLine() const {
  std::vector<std::string> parts;
  for (const auto& [k, v] : settings) parts.push_back(absl::StrCat(k, "=", v));
  return absl::StrJoin(parts, " ");
}

absl::StatusOr<TrainFlags> ParseTrainFlags(const cli::Args& a) {
  TrainFlags f;
  train::TrainOptions& o = f.options;
  if (a.positional.size() != 1) return Usage("expected one MODEL.onnx");
  f.model = a.positional[0];
  for (const char* req : {"output", "train", "labels", "epochs"}) {
    if (!a.Has(req)) return Usage(absl::StrCat("missing --", req));
  }
  f.output = a.Get("output");
  f.train = a.Get("train");
  f.labels = a.Get("labels");
  f.val = a.Get("val");
  f.val_labels = a.Get("val-labels");
  if (f.val.empty() != f.val_labels.empty()) return Usage("--val and --val-labels go together");
  QC_RETURN_IF_ERROR(ParseReports(a, f));
  f.fake_quant_outputs = a.Get("fake-quant-outputs");
  f.quiet = a.Has("quiet");
  o.lr = 3e-4;
  QC_RETURN_IF_ERROR(ParseChoices(a, f));
  QC_RETURN_IF_ERROR(ParseNumbers(a, f));
  if (a.Has("float-ops")) {
    o.float_ops = absl::StrSplit(a.Get("float-ops"), ',', absl::SkipWhitespace());
  }
  f.settings.emplace_back("float-ops", absl::StrJoin(o.float_ops, ","));
  o.checkpoint_dir = a.Get("checkpoint");
  o.resume = a.Has("resume");
  if (o.resume && o.checkpoint_dir.empty()) return Usage("--resume needs --checkpoint=DIR");
  return f;
}

std::string TrainerPath(const std::string& dir) {
  if (const char* env = std::getenv("QUANTC_TRAIN"); env != nullptr && *env != '\0') return env;
  return dir + "/quantc-train";
}

}  // namespace quantc::api
