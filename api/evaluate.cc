#include "api/evaluate.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ir/interpreter.h"
#include "ir/npy.h"
#include "util/status_macros.h"

namespace quantc {
namespace {

bool IsIntegerType(DType t) {
  return t == DType::kInt8 || t == DType::kUInt8 || t == DType::kInt16 || t == DType::kUInt16 ||
         t == DType::kInt32 || t == DType::kUInt32 || t == DType::kInt64 || t == DType::kUInt64;
}

int64_t Argmax(const Tensor& t) {
  int64_t best = 0;
  for (int64_t i = 1; i < t.num_elements(); ++i) {
    if (t.GetAsDouble(i) > t.GetAsDouble(best)) best = i;
  }
  return best;
}

}  // namespace

absl::StatusOr<Metric> ParseMetric(const std::string& name) {
  if (name == "top1") return Metric::kTop1;
  if (name == "mse") return Metric::kMse;
  return absl::InvalidArgumentError(absl::StrCat("unknown metric '", name, "' (top1 or mse)"));
}

absl::StatusOr<Tensor> LoadLabels(const std::string& path, int64_t num_samples, Metric metric) {
  QC_ASSIGN_OR_RETURN(Tensor t, ReadNpyFile(path));
  return CheckLabels(std::move(t), num_samples, metric, path);
}

absl::StatusOr<Tensor> CheckLabels(Tensor t, int64_t num_samples, Metric metric,
                                   const std::string& path) {
  if (t.rank() == 0 || t.dims()[0] != num_samples) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", t.rank() == 0 ? 0 : t.dims()[0],
                                                   " labels for ", num_samples, " samples"));
  }
  if (metric == Metric::kTop1) {
    if (!IsIntegerType(t.dtype()) || t.rank() != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": top1 labels must be integer class indices of shape (N,), got ",
                       DTypeName(t.dtype()), " of rank ", t.rank()));
    }
    for (int64_t i = 0; i < t.num_elements(); ++i) {
      if (t.GetAsDouble(i) < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ": label of sample ", i, " is negative (", t.GetAsDouble(i), ")"));
      }
    }
    return t;
  }
  if (t.dtype() != DType::kFloat32) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": mse targets must be float32, got ", DTypeName(t.dtype())));
  }
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    if (!std::isfinite(t.data<float>()[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": target element ", i, " is not finite"));
    }
  }
  return t;
}

absl::Status CheckClassLabels(const Tensor& labels, int64_t classes, const std::string& file) {
  for (int64_t i = 0; i < labels.num_elements(); ++i) {
    double v = labels.GetAsDouble(i);
    if (v < 0 || v >= static_cast<double>(classes)) {
      return absl::InvalidArgumentError(absl::StrCat(file, ": label of sample ", i, " is ", v,
                                                     ", outside the model's ", classes,
                                                     " classes [0, ", classes - 1, "]"));
    }
  }
  return absl::OkStatus();
}

std::string EvalResult::Describe() const {
  if (metric == Metric::kTop1) {
    return absl::StrFormat("top1 %.2f%% (%d/%d)", value, correct, samples);
  }
  return absl::StrFormat("mse %.6g (%d samples)", value, samples);
}

absl::StatusOr<EvalResult> Evaluate(const Graph& g, const CalibrationData& data,
                                    const Tensor& labels, const std::string& labels_file,
                                    Metric metric,
                                    const std::function<void(int64_t, int64_t)>& progress) {
  if (g.outputs().empty()) return absl::InvalidArgumentError("the model has no output");
  Interpreter interp(g);
  EvalResult r;
  r.metric = metric;
  r.samples = data.num_samples();
  const int64_t per_target = metric == Metric::kMse ? labels.num_elements() / r.samples : 1;
  double sum_sq = 0;
  for (int64_t i = 0; i < r.samples; ++i) {
    QC_ASSIGN_OR_RETURN(std::vector<Tensor> sample, data.Sample(i));
    absl::StatusOr<std::vector<Tensor>> out = interp.Run(sample);
    if (!out.ok()) {
      return absl::Status(out.status().code(),
                          absl::StrCat("sample ", i, ": ", out.status().message()));
    }
    const Tensor& y = (*out)[0];
    if (metric == Metric::kTop1) {
      if (i == 0) QC_RETURN_IF_ERROR(CheckClassLabels(labels, y.num_elements(), labels_file));
      r.correct += Argmax(y) == static_cast<int64_t>(labels.GetAsDouble(i));
    } else {
      if (y.num_elements() != per_target) {
        return absl::InvalidArgumentError(
            absl::StrCat(labels_file, ": ", per_target,
                         " target values per sample, the model outputs ", y.num_elements()));
      }
      for (int64_t k = 0; k < per_target; ++k) {
        double d = y.GetAsDouble(k) - labels.GetAsDouble(i * per_target + k);
        sum_sq += d * d;
      }
    }
    if (progress) progress(i + 1, r.samples);
  }
  r.value = metric == Metric::kTop1
                ? 100.0 * static_cast<double>(r.correct) / static_cast<double>(r.samples)
                : sum_sq / static_cast<double>(r.samples * per_target);
  return r;
}

}  // namespace quantc
