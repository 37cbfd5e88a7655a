// Calibration data: the representative inputs a user hands `quantc quantize`.
#ifndef QUANTC_QUANT_CALIBRATION_DATA_H_
#define QUANTC_QUANT_CALIBRATION_DATA_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ir/graph.h"
#include "ir/npy.h"
#include "ir/tensor.h"

namespace quantc {

/// N samples, each one Tensor per graph input shaped exactly as the model
/// input (a model exported with batch 1 receives one sample at a time).
/// Data loaded from files is streamed: samples are read from disk when
/// asked for, so memory does not grow with N.
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
  /// Sample `i`: one tensor per graph input, in graph input order. Errors
  /// only if a file changed or became unreadable after Load.
  absl::StatusOr<std::vector<Tensor>> Sample(int64_t i) const;

 private:
  // One input's data: an array in memory or a file read row by row.
  struct Source {
    std::string name;                 // file name, for messages
    std::optional<Tensor> array;      // (N, ...) in memory
    std::optional<NpyReader> reader;  // or on disk
    std::vector<int64_t> sample_dims; // model-side dims of one sample
    int64_t rows_per_sample = 1;      // rows of the array one sample spans
  };
  static absl::StatusOr<CalibrationData> Build(const Graph& graph, std::vector<Source> sources,
                                               int64_t limit);

  std::vector<Source> sources_;
  int64_t num_samples_ = 0;
};

}  // namespace quantc

#endif  // QUANTC_QUANT_CALIBRATION_DATA_H_
