// quantc-train: the binary behind `quantc train` (quantization-aware
// training). It links libtorch; `quantc` itself does not, and execs this
// binary from its own folder, so no other command pays libtorch's start-up.
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <optional>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "api/quantize.h"
#include "api/train.h"
#include "backends/tinpu/serialize.h"
#include "ir/npy.h"
#include "ir/onnx_export.h"
#include "ir/onnx_import.h"
#include "ir/verifier.h"
#include "quant/calibration_data.h"
#include "report/train_report.h"
#include "tools/cli.h"
#include "train/trainer.h"
#include "util/file.h"
#include "util/status_macros.h"

namespace quantc {
namespace {

std::atomic<bool> g_interrupted{false};

void OnSigint(int) {
  g_interrupted.store(true);
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

std::string DimsStr(const std::vector<int64_t>& d) {
  return absl::StrCat("(", absl::StrJoin(d, ","), ")");
}

// An (N, ...) float32 array whose samples have the model input's shape
// without its batch dim (or, for a model without a batch of 1, exactly it).
absl::StatusOr<Tensor> LoadInputs(const std::string& flag, const std::string& path,
                                  const Graph& g) {
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
    return absl::InvalidArgumentError(
        absl::StrCat(path, " (", flag, "): ", DTypeName(t->dtype()), " array of shape ",
                     DimsStr(got), " does not fit the model input '", g.inputs()[0]->name(), "' ",
                     DimsStr(*dims), ": expected float32 (N,", absl::StrJoin(want, ","), ")"));
  }
  absl::Span<const float> v = t->data<float>();
  int64_t per_sample = NumElements(per);
  for (size_t i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i])) {
      return absl::InvalidArgumentError(absl::StrCat(path, " (", flag, "): sample ",
                                                     static_cast<int64_t>(i) / per_sample,
                                                     " holds ", v[i], " (data must be finite)"));
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
  if (!y.ok())
    return absl::Status(y.status().code(), absl::StrCat(flag, ": ", y.status().message()));
  int64_t outs = OutputsPerSample(g);
  if (metric == Metric::kTop1 && outs > 0) {
    if (absl::Status st = CheckClassLabels(*y, outs, path); !st.ok()) {
      return absl::Status(st.code(), absl::StrCat(flag, ": ", st.message()));
    }
    // As int64 for the loss.
    Tensor l(DType::kInt64, {n});
    for (int64_t i = 0; i < n; ++i)
      l.mutable_data<int64_t>()[i] = static_cast<int64_t>(y->GetAsDouble(i));
    return l;
  }
  if (metric == Metric::kMse && outs > 0 && y->num_elements() != n * outs) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": ", path, ": ", y->num_elements() / n,
                                                   " targets per sample, the model outputs ",
                                                   outs));
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

// One line per epoch on stderr (the seconds are the batches' wall time,
// what bench/qat_epoch.sh reads; the report has no timings).
void PrintEpoch(const train::EpochReport& r, Metric m) {
  std::string val = r.val_metric ? Percent(m, *r.val_metric) : "-";
  if (r.epoch == 0) {
    std::fprintf(stderr, "\repoch  0  calibrated (PTQ start)             train %s  val %s\n",
                 Percent(m, r.train_metric).c_str(), val.c_str());
  } else {
    std::string frozen = r.bn_frozen && r.observers_frozen ? "BN+observers frozen"
                         : r.bn_frozen                     ? "BN frozen"
                         : r.observers_frozen              ? "observers frozen"
                                                           : "";
    std::fprintf(stderr, "\repoch %2d  loss %.4f  train %s  val %s  lr %.3g  %.3g s  %s\n", r.epoch,
                 r.loss, Percent(m, r.train_metric).c_str(), val.c_str(), r.lr, r.train_seconds,
                 frozen.c_str());
  }
  std::fflush(stderr);
}

absl::StatusOr<train::TrainData> LoadData(const api::TrainFlags& f, const Graph& g) {
  train::TrainData data;
  QC_ASSIGN_OR_RETURN(data.x, LoadInputs("--train", f.train, g));
  QC_ASSIGN_OR_RETURN(data.y, LoadTargets("--labels", f.labels, data.x.dims()[0], g, f.metric));
  if (!f.val.empty()) {
    QC_ASSIGN_OR_RETURN(Tensor vx, LoadInputs("--val", f.val, g));
    QC_ASSIGN_OR_RETURN(Tensor vy,
                        LoadTargets("--val-labels", f.val_labels, vx.dims()[0], g, f.metric));
    data.val_x = std::move(vx);
    data.val_y = std::move(vy);
  }
  return data;
}

absl::Status PrepareCheckpoints(const train::TrainOptions& o) {
  if (!o.checkpoint_dir.empty() && mkdir(o.checkpoint_dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return absl::InvalidArgumentError(absl::StrCat(
        o.checkpoint_dir, ": cannot create the checkpoint folder: ", std::strerror(errno)));
  }
  if (o.resume && access((o.checkpoint_dir + "/checkpoint.pt").c_str(), R_OK) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(o.checkpoint_dir, "/checkpoint.pt: no checkpoint to resume"));
  }
  return absl::OkStatus();
}

// The float and the emitted model, each run by the reference interpreter
// from its file's bytes, on the validation data (else the training data).
struct FinalNumbers {
  double float_metric = 0, emitted_metric = 0;
  std::unique_ptr<Graph> float_model, emitted;
};

absl::StatusOr<FinalNumbers> Measure(const api::TrainFlags& f, const train::TrainData& data,
                                     const std::string& model_bytes, const std::string& bytes) {
  const std::string& x_file = f.val.empty() ? f.train : f.val;
  const std::string& y_file = f.val.empty() ? f.labels : f.val_labels;
  const Tensor& x = data.val_x ? *data.val_x : data.x;
  const Tensor& y = data.val_y ? *data.val_y : data.y;
  FinalNumbers n;
  QC_ASSIGN_OR_RETURN(n.float_model, ImportModelBytes(model_bytes, ".", f.model));
  QC_ASSIGN_OR_RETURN(n.emitted, ImportModelBytes(bytes, ".", f.output));
  QC_ASSIGN_OR_RETURN(CalibrationData fdata,
                      CalibrationData::FromTensors(*n.float_model, {x}, {x_file}));
  QC_ASSIGN_OR_RETURN(CalibrationData edata,
                      CalibrationData::FromTensors(*n.emitted, {x}, {x_file}));
  QC_ASSIGN_OR_RETURN(EvalResult flt, Evaluate(*n.float_model, fdata, y, y_file, f.metric));
  QC_ASSIGN_OR_RETURN(EvalResult emi, Evaluate(*n.emitted, edata, y, y_file, f.metric));
  n.float_metric = flt.value;
  n.emitted_metric = emi.value;
  return n;
}

report::TrainReportDoc ReportDoc(const api::TrainFlags& f, const train::TrainResult& r,
                                 const FinalNumbers& n) {
  report::TrainReportDoc doc;
  doc.target = f.options.target == train::Target::kTinpu ? "tinpu" : "generic";
  doc.metric = f.metric == Metric::kTop1 ? "top1" : "mse";
  doc.settings = f.settings;
  for (const train::EpochReport& e : r.epochs) {
    doc.epochs.push_back({e.epoch, e.epoch == 0 ? std::nullopt : std::optional<double>(e.loss),
                          e.train_metric, e.val_metric, e.lr, e.bn_frozen, e.observers_frozen});
  }
  doc.final_data = f.val.empty() ? "train" : "val";
  doc.float_metric = n.float_metric;
  doc.fake_quant_metric = r.fake_quant_metric;
  doc.emitted_metric = n.emitted_metric;
  for (const train::LayerSqnr& s : r.sqnr) doc.layers.emplace_back(s.tensor, s.sqnr_db);
  doc.diagnostics = r.log;
  doc.float_model = report::Summarize(*n.float_model, f.model);
  doc.quantized_model = report::Summarize(*n.emitted, "");  // no path: -o differs by caller
  return doc;
}

// Model, then each report and the simulated outputs, each atomically.
absl::Status WriteOutputs(const api::TrainFlags& f, const train::TrainResult& r,
                          const FinalNumbers& n, const std::string& bytes) {
  QC_RETURN_IF_ERROR(WriteFileAtomically(f.output, bytes));
  if (!f.fake_quant_outputs.empty()) {
    QC_RETURN_IF_ERROR(WriteNpyFile(f.fake_quant_outputs, r.fake_quant_outputs));
  }
  if (f.reports.empty()) return absl::OkStatus();
  const report::TrainReportDoc doc = ReportDoc(f, r, n);
  for (const auto& [file, format] : f.reports) {
    QC_RETURN_IF_ERROR(WriteFileAtomically(file, format == api::ReportFormat::kHtml
                                                     ? report::TrainReportHtml(doc)
                                                     : report::TrainReportJson(doc)));
  }
  return absl::OkStatus();
}

int Interrupted(const train::TrainOptions& o, const absl::Status& st) {
  std::string resume = o.checkpoint_dir.empty()
                           ? " (no --checkpoint was given)"
                           : absl::StrCat("; the checkpoint in ", o.checkpoint_dir,
                                          " (last completed epoch) resumes with --resume");
  std::fprintf(stderr, "\nquantc: %s; nothing was written%s\n", std::string(st.message()).c_str(),
               resume.c_str());
  return 130;
}

train::TrainCallbacks Callbacks(const api::TrainFlags& f) {
  train::TrainCallbacks cb;
  if (!f.quiet) cb.on_epoch = [m = f.metric](const train::EpochReport& r) { PrintEpoch(r, m); };
  if (!f.quiet && isatty(STDERR_FILENO)) {
    cb.on_batch = [](int epoch, int64_t b, int64_t total) {
      std::fprintf(stderr, "\repoch %2d  batch %lld/%lld", epoch, static_cast<long long>(b),
                   static_cast<long long>(total));
      std::fflush(stderr);
    };
  }
  return cb;
}

int Fail(const absl::Status& st) { return cli::ReportError(st); }

int Main(const std::vector<std::string>& argv) {
  const cli::CommandSpec& spec = api::TrainSpec();
  cli::Args args;
  if (auto done = cli::ParseCommand(spec, argv, &args)) return *done;
  auto parsed = api::ParseTrainFlags(args);
  if (!parsed.ok()) return cli::Fail(spec.name, parsed.status());
  api::TrainFlags& f = *parsed;
  train::TrainOptions& o = f.options;
  if (o.threads <= 0)
    o.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  auto model_bytes = ReadFile(f.model);
  if (!model_bytes.ok()) return Fail(model_bytes.status());
  auto graph = api::LoadModel({f.model});
  if (!graph.ok()) return Fail(graph.status());
  if ((*graph)->inputs().size() != 1) {
    return Fail(absl::UnimplementedError(
        absl::StrCat(f.model, ": quantc train handles models with one input; this one has ",
                     (*graph)->inputs().size())));
  }
  auto data = LoadData(f, **graph);
  if (!data.ok()) return Fail(data.status());
  if (auto st = PrepareCheckpoints(o); !st.ok()) return Fail(st);
  o.fingerprint = Fingerprint(*model_bytes, *data, f.SettingsLine());
  o.interrupted = &g_interrupted;
  std::signal(SIGINT, OnSigint);
  auto result = train::Train(std::move(*graph), *data, o, Callbacks(f));
  if (result.ok() && g_interrupted.load()) {  // Ctrl-C after the last batch
    result = absl::CancelledError("interrupted after training");
  }
  if (!result.ok() && result.status().code() == absl::StatusCode::kCancelled) {
    return Interrupted(o, result.status());
  }
  if (!result.ok()) return Fail(api::InModel({f.model}, result.status()));
  for (const Diagnostic& d : result->log) {
    if (d.severity == Diagnostic::Severity::kWarning) {
      std::fprintf(stderr, "quantc: warning: %s\n", d.ToString().c_str());
    }
  }
  api::StampProvenance(*result->emitted,
                       {{"quantc.target", o.target == train::Target::kTinpu ? "tinpu" : "generic"},
                        {"quantc.weight_bits", absl::StrCat(o.weight_bits)},
                        {"quantc.training", absl::StrCat("qat, ", o.epochs, " epochs")}});
  auto bytes = o.target == train::Target::kTinpu ? tinpu::SerializeTinpu(*result->emitted)
                                                 : ExportModelBytes(*result->emitted);
  if (!bytes.ok()) return Fail(bytes.status());
  auto numbers = Measure(f, *data, *model_bytes, *bytes);
  if (!numbers.ok()) return Fail(numbers.status());
  if (g_interrupted.load())
    return Interrupted(o, absl::CancelledError("interrupted while evaluating"));
  std::signal(SIGINT, SIG_DFL);
  if (auto st = WriteOutputs(f, *result, *numbers, *bytes); !st.ok()) return Fail(st);
  std::printf("%s\n", absl::StrFormat("float %s, fake-quant %s, emitted %s",
                                      Percent(f.metric, numbers->float_metric),
                                      Percent(f.metric, result->fake_quant_metric),
                                      Percent(f.metric, numbers->emitted_metric))
                          .c_str());
  return cli::kOk;
}

}  // namespace
}  // namespace quantc

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "train") args.erase(args.begin());
  return quantc::Main(args);
}
