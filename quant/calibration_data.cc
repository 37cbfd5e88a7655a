#include "quant/calibration_data.h"

#include <cmath>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "ir/printer.h"
#include "util/status_macros.h"

namespace quantc {
namespace {

namespace fs = std::filesystem;

// Rows checked per read when validating files: bounds memory, not speed.
constexpr int64_t kValidateRows = 256;

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

// Fits data of `dims` to model input `v`: the per-sample dims and the
// number of samples, or an error when the shapes do not fit.
absl::StatusOr<std::pair<std::vector<int64_t>, int64_t>> FitShape(
    const Value* v, const std::vector<int64_t>& dims, const std::string& source) {
  if (!v->type().shape) return Bad(source, v->name(), "the model input has no known rank");
  const auto& model = *v->type().shape;
  auto mismatch = [&] {
    return Bad(source, v->name(),
               absl::StrCat("shape [", absl::StrJoin(dims, ","), "] does not fit the model's ",
                            PrintType(v->type())));
  };
  if (dims.size() != model.size() || dims.empty()) return mismatch();
  for (size_t d = 1; d < dims.size(); ++d) {
    if (model[d].known() && model[d].value != dims[d]) return mismatch();
  }
  std::vector<int64_t> sample = dims;
  if (model[0].known() && model[0].value != 1) {
    // A fixed batch larger than 1: the file must hold exactly one batch.
    if (dims[0] != model[0].value) return mismatch();
    return std::make_pair(sample, int64_t{1});
  }
  sample[0] = 1;
  return std::make_pair(sample, dims[0]);
}

absl::Status CheckFinite(const Tensor& a, int64_t first_value, const std::string& source,
                         const std::string& input) {
  if (a.dtype() != DType::kFloat32) return absl::OkStatus();
  absl::Span<const float> d = a.data<float>();
  for (size_t i = 0; i < d.size(); ++i) {
    if (!std::isfinite(d[i])) {
      return Bad(source, input, absl::StrCat("value ", first_value + static_cast<int64_t>(i), " is ",
                                             FormatFloat(d[i]),
                                             " (calibration data must be finite)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CalibrationData> CalibrationData::Build(const Graph& graph,
                                                       std::vector<Source> sources, int64_t limit) {
  CalibrationData data;
  const auto& inputs = graph.inputs();
  if (inputs.empty()) return absl::InvalidArgumentError("the model has no inputs to calibrate");
  for (size_t i = 0; i < inputs.size(); ++i) {
    Source& s = sources[i];
    const Value* v = inputs[i];
    DType dtype = s.array ? s.array->dtype() : s.reader->dtype();
    const std::vector<int64_t>& dims = s.array ? s.array->dims() : s.reader->dims();
    if (dtype != v->type().dtype) {
      return Bad(s.name, v->name(), absl::StrCat("dtype ", DTypeName(dtype),
                                                 " does not match the model's ",
                                                 DTypeName(v->type().dtype)));
    }
    QC_ASSIGN_OR_RETURN(auto fit, FitShape(v, dims, s.name));
    if (i > 0 && fit.second != data.num_samples_) {
      return Bad(s.name, v->name(), absl::StrCat("holds ", fit.second,
                                                 " samples but other inputs hold ",
                                                 data.num_samples_));
    }
    data.num_samples_ = fit.second;
    s.sample_dims = fit.first;
    s.rows_per_sample = fit.first[0];
  }
  if (data.num_samples_ == 0) return Bad(sources[0].name, inputs[0]->name(), "holds zero samples");
  if (limit > 0) data.num_samples_ = std::min(data.num_samples_, limit);
  // Reject NaN/Inf now, before any pass runs, streaming through files.
  int64_t per_row_limit = data.num_samples_;
  for (size_t i = 0; i < sources.size(); ++i) {
    const Source& s = sources[i];
    int64_t rows = per_row_limit * s.rows_per_sample;
    if (s.array) {
      QC_RETURN_IF_ERROR(CheckFinite(*s.array, 0, s.name, inputs[i]->name()));
      continue;
    }
    int64_t row_values = NumElements(s.sample_dims) / std::max<int64_t>(s.rows_per_sample, 1);
    for (int64_t r = 0; r < rows; r += kValidateRows) {
      QC_ASSIGN_OR_RETURN(Tensor chunk, s.reader->ReadRows(r, std::min(kValidateRows, rows - r)));
      QC_RETURN_IF_ERROR(CheckFinite(chunk, r * row_values, s.name, inputs[i]->name()));
    }
  }
  data.sources_ = std::move(sources);
  return data;
}

absl::StatusOr<CalibrationData> CalibrationData::FromTensors(const Graph& graph,
                                                             std::vector<Tensor> arrays,
                                                             std::vector<std::string> names,
                                                             int64_t limit) {
  std::vector<Source> sources;
  for (size_t i = 0; i < arrays.size(); ++i) {
    Source s;
    s.name = i < names.size() ? names[i] : "";
    s.array = std::move(arrays[i]);
    sources.push_back(std::move(s));
  }
  if (sources.size() != graph.inputs().size()) {
    return absl::InvalidArgumentError(absl::StrCat("calibration data has ", sources.size(),
                                                   " arrays for ", graph.inputs().size(),
                                                   " model inputs"));
  }
  return Build(graph, std::move(sources), limit);
}

absl::StatusOr<CalibrationData> CalibrationData::Load(const Graph& graph, const std::string& spec,
                                                      int64_t limit) {
  QC_ASSIGN_OR_RETURN(std::vector<std::string> files, ResolveFiles(graph, spec));
  std::vector<Source> sources;
  for (const std::string& f : files) {
    QC_ASSIGN_OR_RETURN(NpyReader r, NpyReader::Open(f));
    Source s;
    s.name = f;
    s.reader = std::move(r);
    sources.push_back(std::move(s));
  }
  return Build(graph, std::move(sources), limit);
}

absl::StatusOr<std::vector<Tensor>> CalibrationData::Sample(int64_t i) const {
  std::vector<Tensor> out;
  for (const Source& s : sources_) {
    if (s.reader) {
      QC_ASSIGN_OR_RETURN(Tensor t, s.reader->ReadRows(i * s.rows_per_sample, s.rows_per_sample));
      out.push_back(t.Reshaped(s.sample_dims));
      continue;
    }
    const Tensor& a = *s.array;
    if (a.dims() == s.sample_dims) {
      out.push_back(a);
      continue;
    }
    int64_t per = NumElements(s.sample_dims) * static_cast<int64_t>(DTypeSize(a.dtype()));
    out.emplace_back(a.dtype(), s.sample_dims, std::string(a.raw() + i * per, per));
  }
  return out;
}

}  // namespace quantc
