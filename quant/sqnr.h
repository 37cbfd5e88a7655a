// Signal-to-quantization-noise ratio of a quantized model against its float
// model on calibration data: the measure the report and the TINPU repair
// costs share.
#ifndef QUANTC_QUANT_SQNR_H_
#define QUANTC_QUANT_SQNR_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "ir/graph.h"
#include "quant/calibration_data.h"

namespace quantc {

/// Accumulates 10 log10(sum f^2 / sum (f - q)^2) over pairs of tensors.
class SqnrAccumulator {
 public:
  /// Adds f (reference) against q * scale, element by element.
  void Add(absl::Span<const float> f, absl::Span<const float> q, double scale = 1);
  /// +inf when exact.
  double Db() const;
  double max_abs_error() const { return max_abs_; }

 private:
  double signal_ = 0, noise_ = 0, max_abs_ = 0;
};

/// The outputs of `model` for the first `limit` samples of `data` (all of
/// them when 0), sample by sample.
absl::StatusOr<std::vector<std::vector<Tensor>>> RunOnData(const Graph& model,
                                                           const CalibrationData& data,
                                                           int64_t limit = 0);

/// `model`'s outputs on data samples `samples`, in that order.
absl::StatusOr<std::vector<std::vector<Tensor>>> RunOnSamples(const Graph& model,
                                                              const CalibrationData& data,
                                                              absl::Span<const int64_t> samples);

/// Per graph output, the SQNR of `model` against `reference` (the float
/// model's outputs on the same samples: data samples 0, 1, ... or, when
/// `samples` is given, samples[0], samples[1], ...). `output_scale[k]`,
/// when given, multiplies output k of `model` (a model whose outputs are
/// integers). Outputs that are not float32 are skipped (left empty).
absl::StatusOr<std::vector<SqnrAccumulator>> CompareOutputs(
    const std::vector<std::vector<Tensor>>& reference, const Graph& model,
    const CalibrationData& data, const std::vector<double>& output_scale = {},
    absl::Span<const int64_t> samples = {});

/// Up to `at_most` evenly spaced sample indices of `num_samples`: every k-th
/// from 0, k = ceil(num_samples / at_most) (all of them when at_most <= 0).
std::vector<int64_t> EvenlySpacedSamples(int64_t num_samples, int64_t at_most);

}  // namespace quantc

#endif  // QUANTC_QUANT_SQNR_H_
