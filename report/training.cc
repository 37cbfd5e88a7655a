#include "report/training.h"

#include "absl/strings/str_cat.h"
#include "report/html.h"
#include "report/svg.h"

namespace quantc::report {

std::string FrozenText(const EpochRecord& e) {
  if (e.bn_frozen && e.observers_frozen) return "BN+observers";
  if (e.bn_frozen) return "BN";
  return e.observers_frozen ? "observers" : "";
}

std::string TrainingSection(const std::vector<EpochRecord>& epochs, const std::string& metric) {
  const bool top1 = metric == "top1";
  Series loss{"training loss", {}}, train{top1 ? "train accuracy" : "train MSE", {}},
      val{top1 ? "validation accuracy" : "validation MSE", {}};
  std::vector<std::vector<Cell>> rows;
  auto shown = [&](double v) { return top1 ? Fixed(v, 2) + "%" : Short(v); };
  for (const EpochRecord& e : epochs) {
    if (e.loss) loss.points.emplace_back(e.epoch, *e.loss);
    train.points.emplace_back(e.epoch, e.train_metric);
    if (e.val_metric) val.points.emplace_back(e.epoch, *e.val_metric);
    rows.push_back(
        {Number(absl::StrCat(e.epoch), absl::StrCat(e.epoch)),
         e.loss ? Number(Short(*e.loss), JsonNumber(*e.loss)) : Text("–", "num"),
         Number(shown(e.train_metric), JsonNumber(e.train_metric)),
         e.val_metric ? Number(shown(*e.val_metric), JsonNumber(*e.val_metric)) : Text("–", "num"),
         Number(Short(e.lr), JsonNumber(e.lr)), Text(FrozenText(e))});
  }
  std::vector<Series> metric_series = {train};
  if (!val.points.empty()) metric_series.push_back(val);
  const std::string metric_name = top1 ? "top-1 accuracy (%)" : "mean squared error";
  return Section(
      "training", "Training",
      "Per epoch of quantization-aware training: the training loss, and the metric on the "
      "training and validation data, measured on the simulated quantized model (epoch 0: "
      "after calibration, before training).",
      absl::StrCat(
          "<div class=\"charts\"><figure>", LineChart("loss-curve", {loss}, "epoch", "loss"),
          "<figcaption>training loss</figcaption></figure><figure>",
          LineChart("metric-curve", metric_series, "epoch", metric_name, /*y_from_zero=*/!top1),
          "<figcaption>", Escape(metric_name), "</figcaption></figure></div>",
          Table("epoch-table",
                {"epoch", "loss", absl::StrCat("train ", metric),
                 absl::StrCat("validation ", metric), "learning rate", "frozen"},
                rows)));
}

}  // namespace quantc::report
