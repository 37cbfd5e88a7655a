// Model quality on labelled data with the reference interpreter: what
// `quantc eval` prints and what `quantc train` reports for the float and
// the emitted model.
#ifndef QUANTC_API_EVALUATE_H_
#define QUANTC_API_EVALUATE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "ir/graph.h"
#include "ir/tensor.h"
#include "quant/calibration_data.h"

namespace quantc {

/// An array given as a .npy file, or already in memory (the Python module)
/// under a name messages use.
struct ArrayInput {
  std::string path;
  std::optional<Tensor> array;
  std::string name;  ///< for an in-memory array: "data", "labels", ...
  const std::string& label() const { return array ? name : path; }
};

enum class Metric {
  kTop1,  ///< % of samples whose first output's argmax equals the label
  kMse,   ///< mean squared error of the first output against the labels
};

/// "top1" or "mse"; InvalidArgument otherwise.
absl::StatusOr<Metric> ParseMetric(const std::string& name);

/// Labels for `num_samples` samples, read from `path`: top1 wants an integer
/// array of shape (N,), mse a float32 array whose first dim is N. Errors
/// (InvalidArgument, starting with `path`): unreadable file, wrong dtype,
/// wrong length, negative class, NaN/Inf target.
absl::StatusOr<Tensor> LoadLabels(const std::string& path, int64_t num_samples, Metric metric);
/// LoadLabels' checks on labels already in memory; `source` names them.
absl::StatusOr<Tensor> CheckLabels(Tensor labels, int64_t num_samples, Metric metric,
                                   const std::string& source);

/// Class `label` must index the model's output of `classes` scores.
/// InvalidArgument naming `file`, the sample and the value otherwise.
absl::Status CheckClassLabels(const Tensor& labels, int64_t classes, const std::string& file);

struct EvalResult {
  Metric metric = Metric::kTop1;
  int64_t samples = 0;
  int64_t correct = 0;  ///< top1 only
  double value = 0;     ///< top1: accuracy in %; mse: the mean squared error
  /// "top1 98.44% (443/450)" or "mse 0.0123 (450 samples)".
  std::string Describe() const;
};

/// Runs `g` on every sample of `data` (one at a time, deterministic) and
/// scores its first output against `labels` (from LoadLabels; `labels_file`
/// names it in errors). `progress` (may be empty) gets (done, total).
absl::StatusOr<EvalResult> Evaluate(const Graph& g, const CalibrationData& data,
                                    const Tensor& labels, const std::string& labels_file,
                                    Metric metric,
                                    const std::function<void(int64_t, int64_t)>& progress = {});

}  // namespace quantc

#endif  // QUANTC_API_EVALUATE_H_
