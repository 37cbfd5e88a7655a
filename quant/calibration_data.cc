#include "quant/calibration_data.h"

#include <cmath>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "ir/npy.h"
#include "ir/printer.h"
#include "util/status_macros.h"

namespace quantc {
namespace {

namespace fs = std::filesystem;

absl::Status Bad(const std::string& source, const std::string& input, const std::string& what) {
  return absl::InvalidArgumentError(
      absl::StrCat("calibration data ", source, " for input '", input, "': ", what));
}

// Resolves `spec` to one file per graph input, in graph input order.
absl::StatusOr<std::vector<std::string>> ResolveFiles(const Graph& g, const std::string& spec) {
  const auto& inputs = g.inputs();
  std::vector<std::string> files(inputs.size());
  if (spec.find('=') != std::string::npos) {
    for (absl::string_view item : absl::StrSplit(spec, ',', absl::SkipEmpty())) {
      std::vector<std::string> kv = absl::StrSplit(item, absl::MaxSplits('=', 1));
      size_t i = 0;
      while (i < inputs.size() && inputs[i]->name() != kv[0]) ++i;
      if (kv.size() != 2 || i == inputs.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--calib names input '", kv[0], "', which the model does not have"));
      }
      files[i] = kv[1];
    }
  } else if (fs::is_directory(spec)) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      fs::path p = fs::path(spec) / (inputs[i]->name() + ".npy");
      if (fs::exists(p)) files[i] = p.string();
    }
    if (inputs.size() == 1 && files[0].empty()) {
      std::vector<std::string> npys;
      for (const auto& e : fs::directory_iterator(spec)) {
        if (e.path().extension() == ".npy") npys.push_back(e.path().string());
      }
      if (npys.size() == 1) files[0] = npys[0];
    }
  } else {
    if (inputs.size() != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the model has ", inputs.size(), " inputs; give --calib NAME=FILE.npy for each"));
    }
    files[0] = spec;
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (files[i].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("no calibration data for model input '", inputs[i]->name(), "'"));
    }
  }
  return files;
}

// The model-side dims of input `v` given data `a`: returns the per-sample
// dims and the sample count, or an error when the shapes do not fit.
absl::StatusOr<std::pair<std::vector<int64_t>, int64_t>> FitShape(const Value* v, const Tensor& a,
                                                                  const std::string& source) {
  if (!v->type().shape) return Bad(source, v->name(), "the model input has no known rank");
  const auto& dims = *v->type().shape;
  auto mismatch = [&] {
    return Bad(source, v->name(),
               absl::StrCat("shape [", absl::StrJoin(a.dims(), ","), "] does not fit the model's ",
                            PrintType(v->type())));
  };
  if (a.rank() != static_cast<int64_t>(dims.size()) || dims.empty()) return mismatch();
  std::vector<int64_t> sample(a.dims());
  for (size_t d = 1; d < dims.size(); ++d) {
    if (dims[d].known() && dims[d].value != a.dims()[d]) return mismatch();
  }
  if (dims[0].known() && dims[0].value != 1) {
    // A fixed batch larger than 1: the file must hold exactly one batch.
    if (a.dims()[0] != dims[0].value) return mismatch();
    return std::make_pair(sample, int64_t{1});
  }
  sample[0] = 1;
  return std::make_pair(sample, a.dims()[0]);
}

absl::Status CheckFinite(const Tensor& a, const std::string& source, const std::string& input) {
  if (a.dtype() != DType::kFloat32) return absl::OkStatus();
  absl::Span<const float> d = a.data<float>();
  for (size_t i = 0; i < d.size(); ++i) {
    if (!std::isfinite(d[i])) {
      return Bad(source, input, absl::StrCat("value ", i, " is ", FormatFloat(d[i]),
                                             " (calibration data must be finite)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CalibrationData> CalibrationData::FromTensors(const Graph& graph,
                                                             std::vector<Tensor> arrays,
                                                             std::vector<std::string> sources,
                                                             int64_t limit) {
  CalibrationData data;
  const auto& inputs = graph.inputs();
  if (inputs.empty()) return absl::InvalidArgumentError("the model has no inputs to calibrate");
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Value* v = inputs[i];
    if (arrays[i].dtype() != v->type().dtype) {
      return Bad(sources[i], v->name(),
                 absl::StrCat("dtype ", DTypeName(arrays[i].dtype()), " does not match the model's ",
                              DTypeName(v->type().dtype)));
    }
    QC_ASSIGN_OR_RETURN(auto fit, FitShape(v, arrays[i], sources[i]));
    if (i > 0 && fit.second != data.num_samples_) {
      return Bad(sources[i], v->name(),
                 absl::StrCat("holds ", fit.second, " samples but other inputs hold ",
                              data.num_samples_));
    }
    QC_RETURN_IF_ERROR(CheckFinite(arrays[i], sources[i], v->name()));
    data.num_samples_ = fit.second;
    data.sample_dims_.push_back(fit.first);
  }
  if (data.num_samples_ == 0) return Bad(sources[0], inputs[0]->name(), "holds zero samples");
  if (limit > 0) data.num_samples_ = std::min(data.num_samples_, limit);
  data.arrays_ = std::move(arrays);
  return data;
}

absl::StatusOr<CalibrationData> CalibrationData::Load(const Graph& graph, const std::string& spec,
                                                      int64_t limit) {
  QC_ASSIGN_OR_RETURN(std::vector<std::string> files, ResolveFiles(graph, spec));
  std::vector<Tensor> arrays;
  for (const std::string& f : files) {
    QC_ASSIGN_OR_RETURN(Tensor t, ReadNpyFile(f));
    arrays.push_back(std::move(t));
  }
  return FromTensors(graph, std::move(arrays), files, limit);
}

std::vector<Tensor> CalibrationData::Sample(int64_t i) const {
  std::vector<Tensor> out;
  for (size_t k = 0; k < arrays_.size(); ++k) {
    const Tensor& a = arrays_[k];
    if (a.dims() == sample_dims_[k]) {
      out.push_back(a);
      continue;
    }
    int64_t per = NumElements(sample_dims_[k]) * static_cast<int64_t>(DTypeSize(a.dtype()));
    out.emplace_back(a.dtype(), sample_dims_[k], std::string(a.raw() + i * per, per));
  }
  return out;
}

}  // namespace quantc
