#include "api/run.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "ir/interpreter.h"
#include "ir/npy.h"
#include "ir/tensor.h"
#include "util/status_macros.h"

namespace quantc::api {
namespace {

std::string DeclaredStr(const TensorType& t) {
  if (!t.shape) return "[?]";
  std::string s = "[";
  for (size_t i = 0; i < t.shape->size(); ++i) {
    const Dim& d = (*t.shape)[i];
    absl::StrAppend(&s, i ? "," : "",
                    d.known() ? absl::StrCat(d.value) : (d.param.empty() ? "?" : d.param));
  }
  return s + "]";
}

// Whether `dims` fits the declared shape, counting unknown dims as wildcards.
bool Fits(const TensorType& t, absl::Span<const int64_t> dims) {
  if (!t.shape) return true;
  if (t.shape->size() != dims.size()) return false;
  for (size_t i = 0; i < dims.size(); ++i) {
    if ((*t.shape)[i].known() && (*t.shape)[i].value != dims[i]) return false;
  }
  return true;
}

// One graph input's data: the array and how it splits into samples.
struct InputData {
  Tensor array;
  std::string source;
  int64_t samples = 1;  // 1 with `whole` set: use the array as is
  bool whole = true;
  std::vector<int64_t> sample_dims;  // shape of one sample fed to the model
};

absl::StatusOr<InputData> Classify(const Value& input, NamedArray a) {
  InputData d;
  d.source = a.source;
  const TensorType& t = input.type();
  const std::string where = absl::StrCat(a.source, ": graph input '", input.name(), "'");
  if (t.dtype != DType::kUndefined && a.array.dtype() != t.dtype) {
    return absl::InvalidArgumentError(absl::StrCat(where, " expects element type ",
                                                   DTypeName(t.dtype), ", got ",
                                                   DTypeName(a.array.dtype())));
  }
  const auto& dims = a.array.dims();
  if (Fits(t, dims)) {
    d.array = std::move(a.array);
    return d;
  }
  // N samples: an extra leading dim, or N in place of a fixed batch of 1.
  if (!dims.empty() && t.shape) {
    const std::vector<int64_t> rest(dims.begin() + 1, dims.end());
    std::vector<int64_t> one = dims;
    one[0] = 1;
    const bool batch_one =
        !t.shape->empty() && (*t.shape)[0].known() && (*t.shape)[0].value == 1 && Fits(t, one);
    if (Fits(t, rest) || batch_one) {
      d.sample_dims = batch_one ? one : rest;
      d.samples = dims[0];
      d.whole = false;
      d.array = std::move(a.array);
      return d;
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(where, " expects shape ", DeclaredStr(t),
                                                 " (or N samples of it), got ", DimsStr(dims)));
}

// Sample `i` of `d` (a copy of one leading-dim slice).
Tensor SampleOf(const InputData& d, int64_t i) {
  if (d.whole) return d.array;
  const size_t bytes = d.array.num_bytes() / d.array.dims()[0];
  return Tensor(d.array.dtype(), d.sample_dims, std::string(d.array.raw() + i * bytes, bytes));
}

// Matches arrays to graph inputs, in graph order.
absl::StatusOr<std::vector<InputData>> BindInputs(const Graph& g, std::vector<NamedArray> arrays,
                                                  const std::string& what) {
  const auto& gin = g.inputs();
  std::map<std::string, NamedArray> by_name;
  for (NamedArray& a : arrays) {
    if (a.input.empty()) {
      if (arrays.size() != 1 || gin.size() != 1) {
        return absl::InvalidArgumentError(
            absl::StrCat(what, " '", a.source, "' has no input name; the model has ", gin.size(),
                         " inputs, so name each one"));
      }
      a.input = gin[0]->name();
    }
    bool known = false;
    for (const Value* v : gin) known = known || v->name() == a.input;
    if (!known) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " names '", a.input, "', which is not a graph input"));
    }
    std::string name = a.input;
    if (!by_name.emplace(name, std::move(a)).second) {
      return absl::InvalidArgumentError(absl::StrCat(what, " gives '", name, "' twice"));
    }
  }
  std::vector<InputData> data;
  for (const Value* v : gin) {
    auto it = by_name.find(v->name());
    if (it == by_name.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("no ", what, " for graph input '", v->name(), "'"));
    }
    QC_ASSIGN_OR_RETURN(InputData d, Classify(*v, std::move(it->second)));
    data.push_back(std::move(d));
  }
  // Every multi-sample input must agree on N.
  int64_t n = -1;
  for (const InputData& d : data) {
    if (d.whole) continue;
    if (n >= 0 && d.samples != n) {
      return absl::InvalidArgumentError(
          absl::StrCat(d.source, ": holds ", d.samples, " samples, another input holds ", n));
    }
    if (d.samples == 0) return absl::InvalidArgumentError(absl::StrCat(d.source, ": holds zero samples"));
    n = d.samples;
  }
  return data;
}

absl::StatusOr<std::vector<NamedTensor>> RunFloat(const ModelInput& model,
                                                  std::vector<NamedArray> inputs,
                                                  const std::string& what) {
  QC_ASSIGN_OR_RETURN(std::unique_ptr<Graph> g, LoadModel(model));
  QC_ASSIGN_OR_RETURN(std::vector<InputData> data, BindInputs(*g, std::move(inputs), what));
  int64_t n = 1;
  bool batched = false;
  for (const InputData& d : data) {
    if (!d.whole) {
      n = d.samples;
      batched = true;
    }
  }
  Interpreter interp(*g);
  const size_t num_out = g->outputs().size();
  std::vector<std::vector<Tensor>> per_output(num_out);
  for (int64_t i = 0; i < n; ++i) {
    std::vector<Tensor> feed;
    for (const InputData& d : data) feed.push_back(SampleOf(d, i));
    auto outs = interp.Run(feed);
    if (!outs.ok()) {
      const std::string which = batched ? absl::StrCat(" (sample ", i, ")") : "";
      return absl::Status(outs.status().code(),
                          absl::StrCat(model.name(), which, ": ", outs.status().message()));
    }
    for (size_t k = 0; k < num_out; ++k) {
      // The stacked outputs must fit the tensor cap too: known after one
      // sample, so N huge outputs are never computed only to be refused.
      if (i == 0 && batched) {
        std::vector<int64_t> stacked = (*outs)[k].dims();
        stacked.insert(stacked.begin(), n);
        if (absl::Status st = CheckShape((*outs)[k].dtype(), stacked).status(); !st.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat(model.name(), ": output '", g->outputs()[k]->name(), "' of ", n,
                           " samples stacked: ", st.message()));
        }
      }
      per_output[k].push_back(std::move((*outs)[k]));
    }
  }
  std::vector<NamedTensor> result;
  for (size_t k = 0; k < num_out; ++k) {
    const std::string& name = g->outputs()[k]->name();
    Tensor t;
    if (batched) {
      QC_ASSIGN_OR_RETURN(t, Stack(per_output[k], name));
    } else {
      t = per_output[k][0];
    }
    if (!IsNpyDType(t.dtype())) {
      return absl::UnimplementedError(absl::StrCat("output '", name, "' has element type ",
                                                   DTypeName(t.dtype()),
                                                   ", which .npy files and numpy cannot hold"));
    }
    result.push_back({name, std::move(t)});
  }
  return result;
}

}  // namespace

const cli::CommandSpec& RunSpec() {
  static const cli::CommandSpec* spec = new cli::CommandSpec{
      "run",
      "run a model with quantc's reference interpreter on .npy inputs",
      "quantc run MODEL.onnx --input=DATA -o OUT_DIR [--integer]\n       quantc run --list-ops",
      "Runs a model with quantc's reference interpreter and writes each graph output to "
      "OUT_DIR/<output name>.npy (characters outside [A-Za-z0-9_.-] become '_').",
      {cli::Required("input", "DATA",
                     "FILE.npy for a single-input model, or NAME=FILE.npy[,NAME2=FILE2.npy] by "
                     "graph input name. An array of N samples ((N, ...) per-sample shape, or N "
                     "in place of a batch dim of 1) runs the model N times and stacks the "
                     "outputs."),
       cli::Required("output", "DIR", "output folder (created if missing)", "o"),
       cli::Bool("list-ops", "print the operators the interpreter supports and exit"),
       cli::Bool("integer",
                 "run the model's integer program instead (what `quantc compile` emits as C; "
                 "docs/integer-arithmetic.md): DATA is float32 (quantized as the C float "
                 "wrappers do) or int8, and the outputs are the int8 output codes"),
       cli::Bool("help", "print this help and exit", "h")},
      ""};
  return *spec;
}

std::string DimsStr(const std::vector<int64_t>& d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); ++i) absl::StrAppend(&s, i ? "," : "", d[i]);
  return s + "]";
}

absl::StatusOr<Tensor> Stack(const std::vector<Tensor>& parts, const std::string& name) {
  const Tensor& first = parts[0];
  for (const Tensor& p : parts) {
    if (p.dtype() != first.dtype() || p.dims() != first.dims()) {
      return absl::InvalidArgumentError(
          absl::StrCat("output '", name, "' changes shape between samples (", DimsStr(first.dims()),
                       " vs ", DimsStr(p.dims()), "); it cannot be stacked"));
    }
  }
  if (DTypeSize(first.dtype()) == 0) {
    return absl::UnimplementedError(absl::StrCat("output '", name, "' has element type ",
                                                 DTypeName(first.dtype()),
                                                 ", which .npy files and numpy cannot hold"));
  }
  std::vector<int64_t> dims = first.dims();
  const int64_t n = static_cast<int64_t>(parts.size());
  if (!dims.empty() && dims[0] == 1) {
    dims[0] = n;
  } else {
    dims.insert(dims.begin(), n);
  }
  QC_RETURN_IF_ERROR(CheckShape(first.dtype(), dims).status());
  std::string bytes;
  bytes.reserve(first.num_bytes() * parts.size());
  for (const Tensor& p : parts) bytes.append(p.raw(), p.num_bytes());
  return Tensor::FromBytes(first.dtype(), dims, std::move(bytes));
}

absl::StatusOr<std::vector<NamedArray>> ReadInputFiles(const std::string& spec) {
  std::vector<NamedArray> arrays;
  for (const std::string& item : std::vector<std::string>(absl::StrSplit(spec, ',', absl::SkipEmpty()))) {
    const size_t eq = item.find('=');
    NamedArray a;
    a.source = eq == std::string::npos ? item : item.substr(eq + 1);
    if (eq != std::string::npos) a.input = item.substr(0, eq);
    QC_ASSIGN_OR_RETURN(a.array, ReadNpyFile(a.source));
    arrays.push_back(std::move(a));
  }
  return arrays;
}

absl::StatusOr<std::vector<NamedTensor>> Run(const ModelInput& model,
                                             std::vector<NamedArray> inputs,
                                             const cli::Args& args, const std::string& what) {
  if (!args.Has("integer")) return RunFloat(model, std::move(inputs), what);
  if (inputs.size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--integer takes one input; ", what, " gives ", inputs.size()));
  }
  return RunInteger(model, std::move(inputs[0]));
}

}  // namespace quantc::api
