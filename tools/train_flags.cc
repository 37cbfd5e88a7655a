#include "tools/train_flags.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace quantc {
namespace {

constexpr char kHelp[] = R"help(usage: quantc train MODEL.onnx -o OUT.onnx --train=X.npy --labels=Y.npy --epochs=E [options]

Quantization-aware training: fine-tunes a float ONNX model with fake
quantization that simulates the emitted model exactly, then emits it like
`quantc quantize` (same passes). Ranges start from a PTQ calibration on the
training data (epoch 0 is PTQ quality). Prints one line per epoch (stderr)
and finally "float X%, fake-quant Y%, emitted Z%" on the validation data
(the training data without --val), the float and emitted models run by the
reference interpreter.

  -o, --output=FILE             output model (written only on success)
  --target=generic|tinpu        int8 ONNX QDQ (default) or TI's NPU integers
  --train=X.npy --labels=Y.npy  training data (N, per-sample input shape) and
                                labels: int classes (N,), or float targets
                                for --loss=mse
  --val=VX.npy --val-labels=VY.npy
                                validation data (reported per epoch)
  --epochs=E                    total epochs (TI's total_epochs); required
  --bn-update-epochs=K|never    BatchNorm statistics update during the first
                                K epochs (default, or 0: E//2 - 1; never:
                                TI's False)
  --observer-update-epochs=M|never
                                ranges follow the data during the first M
                                epochs (default, or 0: E//2 + 1)
  --weight-bits=8|4|2           weight range +-(2^(b-1)-1) (default 8)
  --optimizer=sgd|adam          default adam
  --lr=LR                       initial learning rate (default 3e-4)
  --momentum=M                  sgd momentum (default 0.9)
  --weight-decay=WD             default 0
  --batch-size=B                default 64
  --lr-schedule=cosine|constant default cosine (per epoch, to 0)
  --loss=cross-entropy|mse      default cross-entropy (metric: top-1 %)
  --bias-calibration=F          after training, move each bias by F times
                                its layer's mean output error (quantize's
                                --bias-correction); default 0
  --float-ops=LIST              node names or op types kept in float
  --output-int | --output-float tinpu: integer outputs (default) or real
  --seed=N                      shuffling seed (default 0)
  --threads=N                   libtorch threads (default: all cores); the
                                same seed, data, flags and threads give a
                                byte-identical output
  --checkpoint=DIR              save DIR/checkpoint.pt after every epoch
  --resume                      continue from DIR/checkpoint.pt (same model,
                                data and flags)
  --report=FILE.json            per-epoch numbers, the final three, per-layer
                                SQNR (fake-quant vs float) and legalization
  --fake-quant-outputs=FILE.npy the simulation's final outputs on the
                                validation (else training) data, in the
                                emitted model's units, to compare with it
  -q, --quiet                   no progress output
Ctrl-C stops after the current batch and writes nothing; the last
checkpoint stays usable with --resume.
Exit codes: 0 ok, 1 internal error, 2 usage, 3 invalid input (also a loss
that becomes NaN), 4 unsupported (an op training or the target cannot
handle), 130 interrupted.
)help";

absl::Status Int(const cli::Args& a, const std::string& name, int64_t lo, int64_t hi, int64_t& out) {
  if (!a.Has(name)) return absl::OkStatus();
  if (!absl::SimpleAtoi(a.Get(name), &out) || out < lo || out > hi) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, " must be an integer in [", lo, ", ", hi, "]"));
  }
  return absl::OkStatus();
}

absl::Status Real(const cli::Args& a, const std::string& name, double lo, double& out) {
  if (!a.Has(name)) return absl::OkStatus();
  if (!absl::SimpleAtod(a.Get(name), &out) || !(out >= lo) || !std::isfinite(out)) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, " must be a number >= ", lo));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> OneOf(const cli::Args& a, const std::string& name,
                                  const std::vector<std::string>& values) {
  std::string v = a.Get(name, values[0]);
  for (const std::string& ok : values) {
    if (v == ok) return v;
  }
  return absl::InvalidArgumentError(absl::StrCat("--", name, " must be ", absl::StrJoin(values, " or ")));
}

}  // namespace

const char* TrainHelp() { return kHelp; }

std::vector<cli::FlagSpec> TrainFlagSpecs() {
  std::vector<cli::FlagSpec> s;
  for (const char* name :
       {"target", "train", "labels", "val", "val-labels", "epochs", "bn-update-epochs",
        "observer-update-epochs", "weight-bits", "lr", "optimizer", "momentum", "weight-decay",
        "batch-size", "lr-schedule", "loss", "bias-calibration", "float-ops", "seed", "threads",
        "checkpoint", "report", "fake-quant-outputs"}) {
    s.push_back({name, "", true});
  }
  s.push_back({"output", "o", true});
  for (const char* name : {"resume", "output-int", "output-float", "help"}) s.push_back({name, "", false});
  s.push_back({"quiet", "q", false});
  return s;
}

absl::StatusOr<TrainFlags> ParseTrainFlags(const cli::Args& a) {
  TrainFlags f;
  train::TrainOptions& o = f.options;
  if (a.positional.size() != 1) return absl::InvalidArgumentError("expected one MODEL.onnx");
  f.model = a.positional[0];
  for (const char* req : {"output", "train", "labels", "epochs"}) {
    if (!a.Has(req)) return absl::InvalidArgumentError(absl::StrCat("missing --", req));
  }
  f.output = a.Get("output");
  f.train = a.Get("train");
  f.labels = a.Get("labels");
  f.val = a.Get("val");
  f.val_labels = a.Get("val-labels");
  if (f.val.empty() != f.val_labels.empty()) {
    return absl::InvalidArgumentError("--val and --val-labels go together");
  }
  f.report = a.Get("report");
  f.fake_quant_outputs = a.Get("fake-quant-outputs");
  f.quiet = a.Has("quiet");
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
  int64_t epochs = 0, bits = 8, batch = o.batch_size, seed = 0, threads = 0;
  o.lr = 3e-4;
  for (const absl::Status& st :
       {Int(a, "epochs", 1, 100000, epochs), Int(a, "weight-bits", 2, 8, bits),
        Int(a, "batch-size", 1, 1 << 20, batch), Int(a, "seed", 0, INT64_MAX, seed),
        Int(a, "threads", 1, 1024, threads), Real(a, "lr", 0, o.lr), Real(a, "momentum", 0, o.momentum),
        Real(a, "weight-decay", 0, o.weight_decay), Real(a, "bias-calibration", 0, o.bias_calibration)}) {
    if (!st.ok()) return st;
  }
  if (bits != 8 && bits != 4 && bits != 2) return absl::InvalidArgumentError("--weight-bits must be 8, 4 or 2");
  if (o.bias_calibration > 1) return absl::InvalidArgumentError("--bias-calibration must be in [0, 1]");
  o.epochs = static_cast<int>(epochs);
  o.weight_bits = static_cast<int>(bits);
  o.batch_size = batch;
  o.seed = static_cast<uint64_t>(seed);
  o.threads = static_cast<int>(threads);
  for (auto [name, dst] : {std::pair{"bn-update-epochs", &o.bn_update},
                           std::pair{"observer-update-epochs", &o.observer_update}}) {
    if (!a.Has(name)) continue;
    auto s = train::ParseFreezeSetting(a.Get(name));
    if (!s.ok()) return absl::InvalidArgumentError(absl::StrCat("--", name, ": ", s.status().message()));
    *dst = *s;
  }
  if (a.Has("float-ops")) o.float_ops = absl::StrSplit(a.Get("float-ops"), ',', absl::SkipWhitespace());
  if (o.target != train::Target::kTinpu && (a.Has("output-int") || a.Has("output-float"))) {
    return absl::InvalidArgumentError("--output-int/--output-float need --target=tinpu");
  }
  if (a.Has("output-int") && a.Has("output-float")) {
    return absl::InvalidArgumentError("--output-int and --output-float exclude each other");
  }
  o.output_int = !a.Has("output-float");
  if (o.target == train::Target::kTinpu && o.loss == train::Loss::kMse && o.output_int) {
    return absl::InvalidArgumentError("--loss=mse with --target=tinpu needs --output-float (real outputs)");
  }
  o.checkpoint_dir = a.Get("checkpoint");
  o.resume = a.Has("resume");
  if (o.resume && o.checkpoint_dir.empty()) return absl::InvalidArgumentError("--resume needs --checkpoint=DIR");
  auto setting = [](const train::FreezeSetting& s) { return s.never ? std::string("never") : absl::StrCat(s.epochs); };
  f.training_flags = absl::StrCat(
      "target=", *target, " bits=", bits, " out_int=", o.output_int, " epochs=", epochs,
      " bn=", setting(o.bn_update), " obs=", setting(o.observer_update), " opt=", *opt, " lr=", o.lr,
      " momentum=", o.momentum, " wd=", o.weight_decay, " sched=", *sched, " batch=", batch,
      " loss=", *loss, " bias_cal=", o.bias_calibration, " float_ops=", absl::StrJoin(o.float_ops, ","),
      " seed=", seed);
  return f;
}

}  // namespace quantc
