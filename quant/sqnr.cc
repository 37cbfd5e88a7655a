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
  Interpreter interp(model);
  std::vector<std::vector<Tensor>> out;
  for (int64_t i = 0; i < n; ++i) {
    QC_ASSIGN_OR_RETURN(std::vector<Tensor> sample, data.Sample(i));
    QC_ASSIGN_OR_RETURN(std::vector<Tensor> y, interp.Run(sample));
    out.push_back(std::move(y));
  }
  return out;
}

absl::StatusOr<std::vector<SqnrAccumulator>> CompareOutputs(
    const std::vector<std::vector<Tensor>>& reference, const Graph& model,
    const CalibrationData& data, const std::vector<double>& output_scale) {
  std::vector<SqnrAccumulator> acc(model.outputs().size());
  Interpreter interp(model);
  for (size_t i = 0; i < reference.size(); ++i) {
    QC_ASSIGN_OR_RETURN(std::vector<Tensor> sample, data.Sample(static_cast<int64_t>(i)));
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

}  // namespace quantc
