// `quantc eval MODEL.onnx --data=X.npy --labels=Y.npy [--metric=top1|mse]`:
// the model's quality on labelled data, computed with the reference
// interpreter, for any model quantc can run (float, generic QDQ, TINPU).
#include <unistd.h>

#include <cstdio>

#include "ir/onnx_import.h"
#include "ir/verifier.h"
#include "quant/calibration_data.h"
#include "tools/cli.h"
#include "tools/commands.h"
#include "tools/evaluate.h"

namespace quantc {
namespace {

constexpr char kHelp[] = R"help(usage: quantc eval MODEL.onnx --data=X.npy --labels=Y.npy [--metric=top1|mse]

Runs the model on every sample with quantc's reference interpreter and prints
one line: "top1 98.44% (443/450)" or "mse 0.0123 (450 samples)".

  --data=X.npy       (N, ...) inputs with the model input's per-sample shape
  --labels=Y.npy     top1: integer class per sample, shape (N,);
                     mse: float32 targets, (N, ...) matching the first output
  --metric=top1|mse  top1 (default): argmax of the first output equals the
                     label; mse: mean squared error of the first output.
                     TINPU models with integer outputs compare by argmax
                     only (their scores are not real-valued).
  -q, --quiet        no progress bar
Exit codes: 0 ok, 1 internal error, 2 usage, 3 invalid input, 4 unsupported.
)help";

void DrawProgress(int64_t done, int64_t total) {
  if (done % 64 != 0 && done != total) return;
  std::fprintf(stderr, "\revaluating %lld/%lld", static_cast<long long>(done),
               static_cast<long long>(total));
  if (done == total) std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace

int EvalCommand(const std::vector<std::string>& argv) {
  auto args = cli::ParseArgs(argv, {{"data", "", true},
                                    {"labels", "", true},
                                    {"metric", "", true},
                                    {"quiet", "q", false},
                                    {"help", "h", false}});
  if (!args.ok()) return cli::UsageError("eval", std::string(args.status().message()));
  if (args->Has("help")) {
    std::fputs(kHelp, stdout);
    return cli::kOk;
  }
  if (args->positional.size() != 1) return cli::UsageError("eval", "expected one MODEL.onnx");
  if (!args->Has("data") || !args->Has("labels")) {
    return cli::UsageError("eval", "--data=X.npy and --labels=Y.npy are required");
  }
  auto metric = ParseMetric(args->Get("metric", "top1"));
  if (!metric.ok()) return cli::UsageError("eval", std::string(metric.status().message()));
  const std::string model = args->positional[0];
  auto graph = ImportModelFile(model);
  if (!graph.ok()) return cli::ReportError(graph.status());
  if (auto st = VerifyGraph(**graph); !st.ok()) {
    return cli::ReportError(absl::Status(st.code(), model + ": " + std::string(st.message())));
  }
  auto data = CalibrationData::Load(**graph, args->Get("data"));
  if (!data.ok()) return cli::ReportError(data.status());
  auto labels = LoadLabels(args->Get("labels"), data->num_samples(), *metric);
  if (!labels.ok()) return cli::ReportError(labels.status());
  std::function<void(int64_t, int64_t)> progress;
  if (!args->Has("quiet") && isatty(STDERR_FILENO)) progress = DrawProgress;
  auto r = Evaluate(**graph, *data, *labels, args->Get("labels"), *metric, progress);
  if (!r.ok()) {
    return cli::ReportError(absl::Status(r.status().code(), model + ": " + std::string(r.status().message())));
  }
  std::printf("%s\n", r->Describe().c_str());
  return cli::kOk;
}

}  // namespace quantc
