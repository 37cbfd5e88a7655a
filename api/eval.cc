#include "api/eval.h"

#include "absl/strings/str_cat.h"
#include "ir/npy.h"
#include "quant/calibration_data.h"
#include "util/status_macros.h"

namespace quantc::api {

const cli::CommandSpec& EvalSpec() {
  using cli::Bool;
  using cli::Required;
  using cli::Value;
  static const cli::CommandSpec* spec = new cli::CommandSpec{
      "eval",
      "a model's accuracy (or MSE) on labelled .npy data",
      "quantc eval MODEL.onnx --data=X.npy --labels=Y.npy [--metric=top1|mse]",
      "Runs the model on every sample with quantc's reference interpreter and prints one "
      "line: \"top1 98.44% (443/450)\" or \"mse 0.0123 (450 samples)\". Any model quantc can "
      "run: float, generic QDQ or TINPU.",
      {Required("data", "X.npy", "(N, ...) inputs with the model input's per-sample shape"),
       Required("labels", "Y.npy",
                "top1: an integer class per sample, shape (N,); mse: float32 targets (N, ...) "
                "matching the first output"),
       Value("metric", "top1|mse", "top1",
             "top1: the argmax of the first output equals the label; mse: the mean squared "
             "error of the first output. TINPU models with integer outputs compare by argmax "
             "only (their scores are not real-valued)."),
       Bool("quiet", "no progress bar", "q"), Bool("help", "show this help", "h")},
      ""};
  return *spec;
}

absl::StatusOr<EvalResult> Eval(const ModelInput& model, const ArrayInput& data,
                                const ArrayInput& labels, const cli::Args& args,
                                const Console& console) {
  auto metric = ParseMetric(args.Get("metric", "top1"));
  if (!metric.ok()) return cli::AsUsageError(metric.status());
  QC_ASSIGN_OR_RETURN(std::unique_ptr<Graph> graph, LoadModel(model));
  absl::StatusOr<CalibrationData> samples =
      data.array ? CalibrationData::FromTensors(*graph, {*data.array}, {data.name})
                 : CalibrationData::Load(*graph, data.path);
  if (!samples.ok()) return samples.status();
  absl::StatusOr<Tensor> y =
      labels.array ? CheckLabels(*labels.array, samples->num_samples(), *metric, labels.name)
                   : LoadLabels(labels.path, samples->num_samples(), *metric);
  if (!y.ok()) return y.status();
  std::function<void(int64_t, int64_t)> progress;
  if (console.progress) {
    progress = [&](int64_t done, int64_t total) { console.progress("evaluate", done, total); };
  }
  auto r = Evaluate(*graph, *samples, *y, labels.label(), *metric, progress);
  if (!r.ok()) return InModel(model, r.status());
  return r;
}

}  // namespace quantc::api
