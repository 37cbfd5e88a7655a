// Calibration data: the representative inputs a user hands `quantc quantize`.
#ifndef QUANTC_QUANT_CALIBRATION_DATA_H_
#define QUANTC_QUANT_CALIBRATION_DATA_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ir/graph.h"
#include "ir/tensor.h"

namespace quantc {

/// N samples, each one Tensor per graph input shaped exactly as the model
/// input (a model exported with batch 1 receives one sample at a time).
class CalibrationData {
 public:
  /// `spec` is one of: "FILE.npy" (single-input model), "NAME=FILE.npy[,
  /// NAME2=FILE2.npy]" (by graph input name), or a folder holding
  /// "<input name>.npy" for every input (or a single .npy for a
  /// single-input model). Each array is (N, ...) with the model input's
  /// per-sample shape, or exactly the model input's shape (one sample).
  /// Errors (InvalidArgument naming the file and input): unreadable or
  /// malformed .npy, dtype or shape that does not fit the input, differing N
  /// across inputs, zero samples, NaN or Inf. `limit` > 0 keeps the first
  /// `limit` samples.
  static absl::StatusOr<CalibrationData> Load(const Graph& graph, const std::string& spec,
                                              int64_t limit = 0);

  /// Wraps tensors already in memory (one per graph input, (N, ...)).
  static absl::StatusOr<CalibrationData> FromTensors(const Graph& graph,
                                                     std::vector<Tensor> arrays,
                                                     std::vector<std::string> sources,
                                                     int64_t limit = 0);

  int64_t num_samples() const { return num_samples_; }
  /// Sample `i`: one tensor per graph input, in graph input order.
  std::vector<Tensor> Sample(int64_t i) const;

 private:
  std::vector<Tensor> arrays_;                     // one (N, ...) array per input
  std::vector<std::vector<int64_t>> sample_dims_;  // model-side dims per input
  int64_t num_samples_ = 0;
};

}  // namespace quantc

#endif  // QUANTC_QUANT_CALIBRATION_DATA_H_
