// The training part of a report page (`quantc train --report=FILE.html`):
// loss and the chosen metric per epoch, as line charts and a table.
#ifndef QUANTC_REPORT_TRAINING_H_
#define QUANTC_REPORT_TRAINING_H_

#include <optional>
#include <string>
#include <vector>

namespace quantc::report {

struct EpochRecord {
  int epoch = 0;
  std::optional<double> loss;  ///< unset for epoch 0 (the calibrated start)
  double train_metric = 0;     ///< top-1 accuracy in %, or MSE
  std::optional<double> val_metric;
  double lr = 0;
  bool bn_frozen = false, observers_frozen = false;
};

/// "BN+observers", "BN", "observers" or "" (what is frozen in the epoch).
std::string FrozenText(const EpochRecord& e);

/// A <section id="training"> with a loss chart (id "loss-curve"), a metric
/// chart (id "metric-curve", train and validation) and a table
/// ("epoch-table": epoch, loss, train, validation, learning rate, frozen).
/// `metric` is "top1" (values in %) or "mse".
std::string TrainingSection(const std::vector<EpochRecord>& epochs, const std::string& metric);

}  // namespace quantc::report

#endif  // QUANTC_REPORT_TRAINING_H_
