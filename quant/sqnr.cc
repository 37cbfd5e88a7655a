#include "quant/sqnr.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "ir/interpreter.h"
#include "util/status_macros.h"

namespace quantc {

void SqnrAccumulator::Add(absl::Span<const float> f, absl::Span<const float> q, double scale) {
  for (size_t i = 0; i < f.size() && i < q.size(); ++i) {
    double d = static_cast<double>(f[i]) - q[i] * scale;
    signal_ += static_cast<double>(f[i]) * f[i];
    noise_ += d * d;
    max_abs_ = std::max(max_abs_, std::abs(d));
  }
}

double SqnrAccumulator::Db() const {
  if (noise_ == 0) return std::numeric_limits<double>::infinity();
  return 10 * std::log10(std::max(signal_, 1e-30) / noise_);
}

absl::StatusOr<std::vector<std::vector<Tensor>>> RunOnData(const Graph& model,
                                                           const CalibrationData& data,
                                                           int64_t limit) {
  int64_t n = limit > 0 ? std::min(limit, data.num_samples()) : data.num_samples();
  std::vector<int64_t> first(n);
  for (int64_t i = 0; i < n; ++i) first[i] = i;
  return RunOnSamples(model, data, first);
}

absl::StatusOr<std::vector<std::vector<Tensor>>> RunOnSamples(const Graph& model,
                                                              const CalibrationData& data,
                                                              absl::Span<const int64_t> samples) {
  Interpreter interp(model);
  std::vector<std::vector<Tensor>> out;
  for (int64_t i : samples) {
    QC_ASSIGN_OR_RETURN(std::vector<Tensor> sample, data.Sample(i));
    QC_ASSIGN_OR_RETURN(std::vector<Tensor> y, interp.Run(sample));
    out.push_back(std::move(y));
  }
  return out;
}

absl::StatusOr<std::vector<SqnrAccumulator>> CompareOutputs(
    const std::vector<std::vector<Tensor>>& reference, const Graph& model,
    const CalibrationData& data, const std::vector<double>& output_scale,
    absl::Span<const int64_t> samples) {
  std::vector<SqnrAccumulator> acc(model.outputs().size());
  Interpreter interp(model);
  for (size_t i = 0; i < reference.size(); ++i) {
    const int64_t s = i < samples.size() ? samples[i] : static_cast<int64_t>(i);
    QC_ASSIGN_OR_RETURN(std::vector<Tensor> sample, data.Sample(s));
    QC_ASSIGN_OR_RETURN(std::vector<Tensor> y, interp.Run(sample));
    for (size_t k = 0; k < y.size() && k < reference[i].size(); ++k) {
      const Tensor& f = reference[i][k];
      if (f.dtype() != DType::kFloat32 || y[k].dtype() != DType::kFloat32) continue;
      acc[k].Add(f.data<float>(), y[k].data<float>(),
                 k < output_scale.size() ? output_scale[k] : 1.0);
    }
  }
  return acc;
}

std::vector<int64_t> EvenlySpacedSamples(int64_t num_samples, int64_t at_most) {
  const int64_t step =
      at_most <= 0 ? 1 : std::max<int64_t>(1, (num_samples + at_most - 1) / at_most);
  std::vector<int64_t> out;
  for (int64_t i = 0; i < num_samples; i += step) out.push_back(i);
  return out;
}

}  // namespace quantc
