// quantc-train: the binary behind `quantc train` (quantization-aware
// training). It links libtorch; `quantc` itself does not, and execs this
// binary from its own folder, so no other command pays libtorch's start-up.
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <thread>

#include <sys/stat.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "backends/tinpu/serialize.h"
#include "ir/npy.h"
#include "ir/onnx_export.h"
#include "ir/onnx_import.h"
#include "ir/verifier.h"
#include "quant/calibration_data.h"
#include "tools/cli.h"
#include "tools/evaluate.h"
#include "tools/quantize_report.h"
#include "tools/train_flags.h"
#include "train/trainer.h"
#include "util/file.h"
#include "util/json.h"

namespace quantc {
namespace {

std::atomic<bool> g_interrupted{false};

void OnSigint(int) {
  g_interrupted.store(true);
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

std::string DimsStr(const std::vector<int64_t>& d) { return absl::StrCat("(", absl::StrJoin(d, ","), ")"); }

// An (N, ...) float32 array whose samples have the model input's shape
// without its batch dim (or, for a model without a batch of 1, exactly it).
absl::StatusOr<Tensor> LoadInputs(const std::string& flag, const std::string& path, const Graph& g) {
  auto t = ReadNpyFile(path);
  if (!t.ok()) return t.status();
  auto dims = g.inputs()[0]->type().StaticDims();
  if (!dims || dims->empty() || (*dims)[0] != 1) {
    return absl::UnimplementedError(absl::StrCat(
        "quantc train needs a model input with a static shape and batch dimension 1, got '",
        g.inputs()[0]->name(), "'"));
  }
  std::vector<int64_t> want(dims->begin() + 1, dims->end());
  std::vector<int64_t> got = t->dims();
  std::vector<int64_t> per(got.begin() + std::min<size_t>(1, got.size()), got.end());
  if (t->dtype() != DType::kFloat32 || got.empty() || per != want) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, " (", flag, "): ", DTypeName(t->dtype()), " array of shape ", DimsStr(got),
        " does not fit the model input '", g.inputs()[0]->name(), "' ", DimsStr(*dims),
        ": expected float32 (N,", absl::StrJoin(want, ","), ")"));
  }
  absl::Span<const float> v = t->data<float>();
  int64_t per_sample = NumElements(per);
  for (size_t i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i])) {
      return absl::InvalidArgumentError(absl::StrCat(path, " (", flag, "): sample ",
                                                     static_cast<int64_t>(i) / per_sample, " holds ",
                                                     v[i], " (data must be finite)"));
    }
  }
  return *t;
}

// Model outputs per sample (the class count for top-1), or -1 if unknown.
int64_t OutputsPerSample(const Graph& g) {
  auto dims = g.outputs()[0]->type().StaticDims();
  if (!dims || dims->empty()) return -1;
  return NumElements(absl::MakeConstSpan(*dims).subspan(1));
}

absl::StatusOr<Tensor> LoadTargets(const std::string& flag, const std::string& path, int64_t n,
                                   const Graph& g, Metric metric) {
  auto y = LoadLabels(path, n, metric);
  if (!y.ok()) return absl::Status(y.status().code(), absl::StrCat(flag, ": ", y.status().message()));
  int64_t outs = OutputsPerSample(g);
  if (metric == Metric::kTop1 && outs > 0) {
    if (absl::Status st = CheckClassLabels(*y, outs, path); !st.ok()) {
      return absl::Status(st.code(), absl::StrCat(flag, ": ", st.message()));
    }
    // As int64 for the loss.
    Tensor l(DType::kInt64, {n});
    for (int64_t i = 0; i < n; ++i) l.mutable_data<int64_t>()[i] = static_cast<int64_t>(y->GetAsDouble(i));
    return l;
  }
  if (metric == Metric::kMse && outs > 0 && y->num_elements() != n * outs) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": ", path, ": ", y->num_elements() / n,
                                                   " targets per sample, the model outputs ", outs));
  }
  return *y;
}

uint64_t Fnv(absl::string_view s, uint64_t h = 1469598103934665603ULL) {
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

// What a checkpoint must have been made with: model, data and every flag
// that changes training (not -o, --report, --threads, --checkpoint).
std::string Fingerprint(const std::string& model_bytes, const train::TrainData& d,
                        const std::string& flags) {
  uint64_t h = Fnv(model_bytes);
  for (const Tensor* t : {&d.x, &d.y}) h = Fnv(absl::StrCat(TensorHash(*t)), h);
  if (d.val_x) h = Fnv(absl::StrCat(TensorHash(*d.val_x), TensorHash(*d.val_y)), h);
  return absl::StrFormat("%016x %s", Fnv(flags, h), flags);
}

std::string Percent(Metric m, double v) {
  return m == Metric::kTop1 ? absl::StrFormat("%.2f%%", v) : absl::StrFormat("mse %.6g", v);
}

void PrintEpoch(const train::EpochReport& r, Metric m) {
  std::string val = r.val_metric ? Percent(m, *r.val_metric) : "-";
  if (r.epoch == 0) {
    std::fprintf(stderr, "\repoch  0  calibrated (PTQ start)             train %s  val %s\n",
                 Percent(m, r.train_metric).c_str(), val.c_str());
  } else {
    std::string frozen = r.bn_frozen && r.observers_frozen ? "BN+observers frozen"
                         : r.bn_frozen                      ? "BN frozen"
                         : r.observers_frozen               ? "observers frozen"
                                                            : "";
    std::fprintf(stderr, "\repoch %2d  loss %.4f  train %s  val %s  lr %.3g  %s\n", r.epoch, r.loss,
                 Percent(m, r.train_metric).c_str(), val.c_str(), r.lr, frozen.c_str());
  }
  std::fflush(stderr);
}

std::string ReportJson(const train::TrainResult& r, Metric m, double flt, double fq, double emitted,
                       const std::string& data) {
  std::vector<std::string> epochs, layers, log;
  for (const train::EpochReport& e : r.epochs) {
    epochs.push_back(absl::StrFormat(
        "{\"epoch\":%d,\"loss\":%.6g,\"train\":%.6g,\"val\":%s,\"lr\":%.6g,\"bn_frozen\":%s,"
        "\"observers_frozen\":%s,\"train_seconds\":%.3f}",
        e.epoch, e.loss, e.train_metric, e.val_metric ? absl::StrFormat("%.6g", *e.val_metric) : "null",
        e.lr, e.bn_frozen ? "true" : "false", e.observers_frozen ? "true" : "false", e.train_seconds));
  }
  for (const train::LayerSqnr& s : r.sqnr) {
    layers.push_back(absl::StrCat("{\"tensor\":", JsonString(s.tensor), ",\"sqnr_db\":",
                                  std::isfinite(s.sqnr_db) ? absl::StrFormat("%.3f", s.sqnr_db) : "null", "}"));
  }
  for (const Diagnostic& d : r.log) log.push_back(JsonString(d.ToString()));
  return absl::StrCat("{\"metric\":\"", m == Metric::kTop1 ? "top1" : "mse", "\",\n\"epochs\":[\n  ",
                      absl::StrJoin(epochs, ",\n  "), "],\n\"final\":{\"data\":\"", data,
                      absl::StrFormat("\",\"float\":%.6g,\"fake_quant\":%.6g,\"emitted\":%.6g},\n", flt, fq, emitted),
                      "\"layers\":[\n  ", absl::StrJoin(layers, ",\n  "), "],\n\"legalization\":[",
                      absl::StrJoin(log, ",\n  "), "]}\n");
}

void Stamp(const train::TrainOptions& o, Graph& g) {
  StampProvenance(g, {
      {"quantc.target", o.target == train::Target::kTinpu ? "tinpu" : "generic"},
      {"quantc.weight_bits", absl::StrCat(o.weight_bits)},
      {"quantc.training", absl::StrCat("qat, ", o.epochs, " epochs")},
  });
}

int Fail(const absl::Status& st) { return cli::ReportError(st); }

int Main(const std::vector<std::string>& argv) {
  auto args = cli::ParseArgs(argv, TrainFlagSpecs());
  if (!args.ok()) return cli::UsageError("train", std::string(args.status().message()));
  if (args->Has("help")) {
    std::fputs(TrainHelp(), stdout);
    return cli::kOk;
  }
  auto parsed = ParseTrainFlags(*args);
  if (!parsed.ok()) return cli::UsageError("train", std::string(parsed.status().message()));
  TrainFlags& f = *parsed;
  train::TrainOptions& o = f.options;
  if (o.threads <= 0) o.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  auto model_bytes = ReadFile(f.model);
  if (!model_bytes.ok()) return Fail(model_bytes.status());
  auto graph = ImportModelFile(f.model);
  if (!graph.ok()) return Fail(graph.status());
  if (auto st = VerifyGraph(**graph); !st.ok()) {
    return Fail(absl::Status(st.code(), absl::StrCat(f.model, ": ", st.message())));
  }
  if ((*graph)->inputs().size() != 1) {
    return Fail(absl::UnimplementedError(absl::StrCat(
        f.model, ": quantc train handles models with one input; this one has ", (*graph)->inputs().size())));
  }
  train::TrainData data;
  auto x = LoadInputs("--train", f.train, **graph);
  if (!x.ok()) return Fail(x.status());
  data.x = *x;
  int64_t n = data.x.dims()[0];
  auto y = LoadTargets("--labels", f.labels, n, **graph, f.metric);
  if (!y.ok()) return Fail(y.status());
  data.y = *y;
  if (!f.val.empty()) {
    auto vx = LoadInputs("--val", f.val, **graph);
    if (!vx.ok()) return Fail(vx.status());
    auto vy = LoadTargets("--val-labels", f.val_labels, vx->dims()[0], **graph, f.metric);
    if (!vy.ok()) return Fail(vy.status());
    data.val_x = *vx;
    data.val_y = *vy;
  }
  if (!o.checkpoint_dir.empty() && mkdir(o.checkpoint_dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat(o.checkpoint_dir, ": cannot create the checkpoint folder: ", std::strerror(errno))));
  }
  if (o.resume && access((o.checkpoint_dir + "/checkpoint.pt").c_str(), R_OK) != 0) {
    return Fail(absl::InvalidArgumentError(absl::StrCat(o.checkpoint_dir, "/checkpoint.pt: no checkpoint to resume")));
  }
  o.fingerprint = Fingerprint(*model_bytes, data, f.training_flags);
  o.interrupted = &g_interrupted;
  std::signal(SIGINT, OnSigint);

  const bool tty = isatty(STDERR_FILENO) && !f.quiet;
  train::TrainCallbacks cb;
  if (!f.quiet) cb.on_epoch = [&](const train::EpochReport& r) { PrintEpoch(r, f.metric); };
  if (tty) {
    cb.on_batch = [](int epoch, int64_t b, int64_t total) {
      std::fprintf(stderr, "\repoch %2d  batch %lld/%lld", epoch, static_cast<long long>(b),
                   static_cast<long long>(total));
      std::fflush(stderr);
    };
  }
  auto result = train::Train(std::move(*graph), data, o, cb);
  if (result.ok() && g_interrupted.load()) {  // Ctrl-C after the last batch
    result = absl::CancelledError("interrupted after training");
  }
  if (!result.ok()) {
    if (result.status().code() == absl::StatusCode::kCancelled) {
      std::string resume = o.checkpoint_dir.empty()
                               ? " (no --checkpoint was given)"
                               : absl::StrCat("; the checkpoint in ", o.checkpoint_dir,
                                              " (last completed epoch) resumes with --resume");
      std::fprintf(stderr, "\nquantc: %s; nothing was written%s\n",
                   std::string(result.status().message()).c_str(), resume.c_str());
      return 130;
    }
    return Fail(absl::Status(result.status().code(), absl::StrCat(f.model, ": ", result.status().message())));
  }
  for (const Diagnostic& d : result->log) {
    if (d.severity == Diagnostic::Severity::kWarning) {
      std::fprintf(stderr, "quantc: warning: %s\n", d.ToString().c_str());
    }
  }
  Stamp(o, *result->emitted);
  auto bytes = o.target == train::Target::kTinpu ? tinpu::SerializeTinpu(*result->emitted)
                                                  : ExportModelBytes(*result->emitted);
  if (!bytes.ok()) return Fail(bytes.status());
  // The three numbers on the same data, the float and emitted models run by
  // the reference interpreter from their files' bytes.
  const std::string& ex_file = f.val.empty() ? f.train : f.val;
  const std::string& ey_file = f.val.empty() ? f.labels : f.val_labels;
  const Tensor& ex = data.val_x ? *data.val_x : data.x;
  const Tensor& ey = data.val_y ? *data.val_y : data.y;
  auto float_model = ImportModelBytes(*model_bytes, ".", f.model);
  auto emitted = ImportModelBytes(*bytes, ".", f.output);
  if (!float_model.ok()) return Fail(float_model.status());
  if (!emitted.ok()) return Fail(emitted.status());
  auto fdata = CalibrationData::FromTensors(**float_model, {ex}, {ex_file});
  auto edata = CalibrationData::FromTensors(**emitted, {ex}, {ex_file});
  if (!fdata.ok()) return Fail(fdata.status());
  if (!edata.ok()) return Fail(edata.status());
  auto flt = Evaluate(**float_model, *fdata, ey, ey_file, f.metric);
  auto emi = Evaluate(**emitted, *edata, ey, ey_file, f.metric);
  if (!flt.ok()) return Fail(flt.status());
  if (!emi.ok()) return Fail(emi.status());
  if (g_interrupted.load()) {
    std::fprintf(stderr, "\nquantc: interrupted while evaluating; nothing was written\n");
    return 130;
  }
  std::signal(SIGINT, SIG_DFL);
  if (auto st = WriteFileAtomically(f.output, *bytes); !st.ok()) return Fail(st);
  if (!f.fake_quant_outputs.empty()) {
    if (auto st = WriteNpyFile(f.fake_quant_outputs, result->fake_quant_outputs); !st.ok()) return Fail(st);
  }
  if (!f.report.empty()) {
    std::string json = ReportJson(*result, f.metric, flt->value, result->fake_quant_metric, emi->value,
                                  f.val.empty() ? "train" : "val");
    if (auto st = WriteFileAtomically(f.report, json); !st.ok()) return Fail(st);
  }
  if (f.metric == Metric::kTop1) {
    std::printf("float %.2f%%, fake-quant %.2f%%, emitted %.2f%%\n", flt->value, result->fake_quant_metric,
                emi->value);
  } else {
    std::printf("float mse %.6g, fake-quant mse %.6g, emitted mse %.6g\n", flt->value,
                result->fake_quant_metric, emi->value);
  }
  return cli::kOk;
}

}  // namespace
}  // namespace quantc

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "train") args.erase(args.begin());
  return quantc::Main(args);
}
