// `quantc run MODEL.onnx --input=... -o OUT_DIR`: runs a float or quantized
// model with the reference interpreter (ir/interpreter.h) and writes every
// graph output as OUT_DIR/<name>.npy.
//
// Inputs are .npy arrays, by position for a single-input model or by graph
// input name. An array shaped exactly like the model input is one sample.
// An array with an extra leading dim N, or with N in place of a fixed batch
// dim of 1, is N samples: the model runs once per sample (one Interpreter,
// one thread, so the results are the interpreter's deterministic ones) and
// each output is stacked along a new leading dim, or concatenated along its
// batch dim when that is 1 — the shape a batch-N model would produce.
#include "tools/cmd_run.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "ir/interpreter.h"
#include "ir/npy.h"
#include "ir/onnx_import.h"
#include "tools/cli.h"
#include "util/status_macros.h"

namespace quantc {
namespace {

constexpr char kHelp[] = R"(usage: quantc run MODEL.onnx --input=DATA -o OUT_DIR
       quantc run --list-ops

Runs a model with quantc's reference interpreter and writes each graph output
to OUT_DIR/<output name>.npy (characters outside [A-Za-z0-9_.-] become '_').

  --input=DATA     FILE.npy for a single-input model, or
                   NAME=FILE.npy[,NAME2=FILE2.npy] by graph input name. An
                   array of N samples ((N, ...) per-sample shape, or N in
                   place of a batch dim of 1) runs the model N times and
                   stacks the outputs.
  -o, --output=DIR output folder (created if missing)
  --list-ops       print the operators the interpreter supports
  --integer        run the model's integer program instead (what `quantc
                   compile` emits as C; docs/integer-arithmetic.md): DATA
                   is float32 (quantized as the C float wrappers do) or
                   int8, and the outputs are the int8 output codes
Exit codes: 0 ok, 1 internal error, 2 usage, 3 invalid input, 4 unsupported.
)";

std::string SafeFileName(const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) c = '_';
  }
  // "." and ".." would name directories.
  if (out.empty() || out == "." || out == "..") out = "_" + out;
  return out;
}

std::string DimsStr(const std::vector<int64_t>& d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); ++i) absl::StrAppend(&s, i ? "," : "", d[i]);
  return s + "]";
}

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
  std::string file;
  int64_t samples = 1;  // 1 with `whole` set: use the array as is
  bool whole = true;
  std::vector<int64_t> sample_dims;  // shape of one sample fed to the model
};

absl::StatusOr<InputData> Classify(const Value& input, Tensor array, const std::string& file) {
  InputData d;
  d.file = file;
  const TensorType& t = input.type();
  const std::string where = absl::StrCat(file, ": graph input '", input.name(), "'");
  if (t.dtype != DType::kUndefined && array.dtype() != t.dtype) {
    return absl::InvalidArgumentError(absl::StrCat(where, " expects element type ",
                                                   DTypeName(t.dtype), ", the file holds ",
                                                   DTypeName(array.dtype())));
  }
  const auto& dims = array.dims();
  if (Fits(t, dims)) {
    d.array = std::move(array);
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
      d.array = std::move(array);
      return d;
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(where, " expects shape ", DeclaredStr(t),
                                                 " (or N samples of it), the file holds ",
                                                 DimsStr(dims)));
}

// Sample `i` of `d` (a copy of one leading-dim slice).
Tensor SampleOf(const InputData& d, int64_t i) {
  if (d.whole) return d.array;
  const size_t bytes = d.array.num_bytes() / d.array.dims()[0];
  return Tensor(d.array.dtype(), d.sample_dims, std::string(d.array.raw() + i * bytes, bytes));
}

// Stacks per-sample outputs: concatenated along dim 0 when that is 1,
// otherwise along a new leading dim.
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
                                                 ", which .npy files cannot hold"));
  }
  std::vector<int64_t> dims = first.dims();
  const int64_t n = static_cast<int64_t>(parts.size());
  if (!dims.empty() && dims[0] == 1) {
    dims[0] = n;
  } else {
    dims.insert(dims.begin(), n);
  }
  std::string bytes;
  bytes.reserve(first.num_bytes() * parts.size());
  for (const Tensor& p : parts) bytes.append(p.raw(), p.num_bytes());
  return Tensor(first.dtype(), dims, std::move(bytes));
}

absl::Status MakeDirs(const std::string& dir) {
  std::string path;
  for (absl::string_view part : absl::StrSplit(dir, '/')) {
    absl::StrAppend(&path, path.empty() && dir[0] != '/' ? "" : "/", part);
    if (part.empty()) continue;
    if (mkdir(path.c_str(), 0777) != 0 && errno != EEXIST) {
      return absl::InternalError(
          absl::StrCat("cannot create folder '", path, "': ", std::strerror(errno)));
    }
  }
  struct stat st;
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::InternalError(absl::StrCat("'", dir, "' is not a folder"));
  }
  return absl::OkStatus();
}

// Maps --input to one InputData per graph input, in graph order.
absl::StatusOr<std::vector<InputData>> LoadInputs(const Graph& g, const std::string& spec) {
  const auto& gin = g.inputs();
  std::map<std::string, std::string> files;  // input name -> file
  std::vector<std::string> items = absl::StrSplit(spec, ',', absl::SkipEmpty());
  for (const std::string& item : items) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos) {
      if (items.size() != 1 || gin.size() != 1) {
        return absl::InvalidArgumentError(
            absl::StrCat("--input '", item, "' has no NAME=; the model has ", gin.size(),
                         " inputs, so name each one (NAME=FILE.npy)"));
      }
      files[gin[0]->name()] = item;
      continue;
    }
    const std::string name = item.substr(0, eq);
    bool known = false;
    for (const Value* v : gin) known = known || v->name() == name;
    if (!known) {
      return absl::InvalidArgumentError(
          absl::StrCat("--input names '", name, "', which is not a graph input"));
    }
    if (!files.emplace(name, item.substr(eq + 1)).second) {
      return absl::InvalidArgumentError(absl::StrCat("--input gives '", name, "' twice"));
    }
  }
  std::vector<InputData> data;
  for (const Value* v : gin) {
    auto it = files.find(v->name());
    if (it == files.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("no --input for graph input '", v->name(), "'"));
    }
    QC_ASSIGN_OR_RETURN(Tensor array, ReadNpyFile(it->second));
    QC_ASSIGN_OR_RETURN(InputData d, Classify(*v, std::move(array), it->second));
    data.push_back(std::move(d));
  }
  // Every multi-sample input must agree on N.
  int64_t n = -1;
  for (const InputData& d : data) {
    if (d.whole) continue;
    if (n >= 0 && d.samples != n) {
      return absl::InvalidArgumentError(
          absl::StrCat(d.file, ": holds ", d.samples, " samples, another input holds ", n));
    }
    n = d.samples;
  }
  return data;
}

absl::Status Run(const std::string& model, const std::string& spec, const std::string& out_dir) {
  QC_ASSIGN_OR_RETURN(std::unique_ptr<Graph> g, ImportModelFile(model));
  QC_ASSIGN_OR_RETURN(std::vector<InputData> data, LoadInputs(*g, spec));
  int64_t n = 1;
  bool batched = false;
  for (const InputData& d : data) {
    if (!d.whole) {
      if (d.samples == 0)
        return absl::InvalidArgumentError(absl::StrCat(d.file, ": holds zero samples"));
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
                          absl::StrCat(model, which, ": ", outs.status().message()));
    }
    for (size_t k = 0; k < num_out; ++k) per_output[k].push_back(std::move((*outs)[k]));
  }
  QC_RETURN_IF_ERROR(MakeDirs(out_dir));
  std::set<std::string> used;
  for (size_t k = 0; k < num_out; ++k) {
    const std::string& name = g->outputs()[k]->name();
    Tensor t;
    if (batched) {
      QC_ASSIGN_OR_RETURN(t, Stack(per_output[k], name));
    } else {
      t = per_output[k][0];
    }
    std::string file = SafeFileName(name);
    // Distinct outputs may sanitize to the same file name.
    if (!used.insert(file).second) {
      file = absl::StrCat(file, "_", k);
      used.insert(file);
    }
    const std::string path = absl::StrCat(out_dir, "/", file, ".npy");
    if (!IsNpyDType(t.dtype())) {
      return absl::UnimplementedError(absl::StrCat("output '", name, "' has element type ",
                                                   DTypeName(t.dtype()),
                                                   ", which .npy files cannot hold"));
    }
    QC_RETURN_IF_ERROR(WriteNpyFile(path, t));
    std::printf("%s: %s %s\n", path.c_str(), DTypeName(t.dtype()), DimsStr(t.dims()).c_str());
  }
  return absl::OkStatus();
}

}  // namespace

int RunCommand(const std::vector<std::string>& args) {
  const std::vector<cli::FlagSpec> spec = {
      {"input", "", true},     {"output", "o", true}, {"list-ops", "", false},
      {"integer", "", false}, {"help", "h", false}};
  auto parsed = cli::ParseArgs(args, spec);
  if (!parsed.ok()) return cli::UsageError("run", std::string(parsed.status().message()));
  const cli::Args& a = *parsed;
  if (a.Has("help")) {
    std::fputs(kHelp, stdout);
    return cli::kOk;
  }
  if (a.Has("list-ops")) {
    for (const std::string& op : SupportedOps()) std::printf("%s\n", op.c_str());
    return cli::kOk;
  }
  if (a.positional.size() != 1) return cli::UsageError("run", "expected one MODEL.onnx");
  if (!a.Has("output")) return cli::UsageError("run", "missing -o OUT_DIR");
  if (!a.Has("input")) return cli::UsageError("run", "missing --input=DATA");
  if (a.Has("integer")) return RunIntegerCommand(a);
  absl::Status st = Run(a.positional[0], a.Get("input"), a.Get("output"));
  return st.ok() ? cli::kOk : cli::ReportError(st);
}

int RunCommand(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return RunCommand(args);
}

}  // namespace quantc
