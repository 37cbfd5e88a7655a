// `quantc train --report`: what training did epoch by epoch, the final
// float / fake-quant / emitted numbers, per-layer SQNR of the simulation
// against float, the repairs of the final emission, and both models. One
// document, two renderings: the JSON file and the HTML page (with loss and
// metric curves). Deterministic: no timings, so the same run gives the same
// bytes.
#ifndef QUANTC_REPORT_TRAIN_REPORT_H_
#define QUANTC_REPORT_TRAIN_REPORT_H_

#include <string>
#include <utility>
#include <vector>

#include "passes/diagnostic.h"
#include "report/model_summary.h"
#include "report/training.h"

namespace quantc::report {

struct TrainReportDoc {
  std::string target;  ///< "generic" or "tinpu"
  std::string metric;  ///< "top1" (values in %) or "mse"
  /// The training flags, canonically spelled (api::TrainFlags::settings).
  std::vector<std::pair<std::string, std::string>> settings;
  std::vector<EpochRecord> epochs;
  std::string final_data;  ///< "val" or "train": where the final three were measured
  double float_metric = 0, fake_quant_metric = 0, emitted_metric = 0;
  /// Per quantized tensor: SQNR of the simulation against the float model
  /// with the same trained weights, in dB (inf when exact).
  std::vector<std::pair<std::string, double>> layers;
  std::vector<Diagnostic> diagnostics;
  ModelSummary float_model, quantized_model;
};

/// {"target", "metric", "settings", "epochs": [{"epoch", "loss" (null for
/// epoch 0), "train", "val" (null without validation data), "lr",
/// "bn_frozen", "observers_frozen"}], "final": {"data", "float",
/// "fake_quant", "emitted"}, "layers": [{"tensor", "sqnr_db"}], "model":
/// {"float", "quantized"}, "diagnostics"}.
std::string TrainReportJson(const TrainReportDoc& doc);

/// The page: summary cards, loss and metric curves and the epoch table,
/// per-layer SQNR (chart and table), settings and models, repairs.
std::string TrainReportHtml(const TrainReportDoc& doc);

}  // namespace quantc::report

#endif  // QUANTC_REPORT_TRAIN_REPORT_H_
