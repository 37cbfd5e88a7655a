// quantc._quantc: the pybind11 binding of api/ (the same functions the
// `quantc` command calls), used by python/quantc/__init__.py, which holds
// the public, documented Python API.
//
// Conventions across the boundary:
// * models: (path, bytes, display name); bytes win when not None;
// * arrays: lists of (graph input name or "", ndarray, source label), the
//   ndarray C-contiguous and little-endian (the Python side ensures it);
// * options: lists of (snake_case name, str value or None, bool), mapped
//   onto the command's flag table by cli::ArgsFromKeywords, so validation
//   and messages are the CLI's;
// * errors: _quantc.Failure(exit_code, message); __init__.py raises the
//   quantc.Error subclass for the exit code;
// * the GIL is released while quantc works; callbacks into Python (progress,
//   printing) take it back.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/compile.h"
#include "api/convert.h"
#include "api/eval.h"
#include "api/inspect.h"
#include "api/quantize.h"
#include "api/run.h"
#include "api/session.h"
#include "api/train.h"
#include "api/version.h"
#include "ir/interpreter.h"
#include "ir/tensor.h"
#include "tools/cli.h"

namespace py = pybind11;

namespace quantc::python {
namespace {

using Options = std::vector<std::tuple<std::string, std::optional<std::string>, bool>>;
using Arrays = std::vector<std::tuple<std::string, py::array, std::string>>;

// Carries a failed Status to Python as _quantc.Failure(exit_code, message).
struct Failure {
  int exit_code;
  std::string message;
};

[[noreturn]] void Raise(const absl::Status& status) {
  throw Failure{cli::ExitCodeOf(status), std::string(status.message())};
}

template <typename T>
T Check(absl::StatusOr<T> r) {
  if (!r.ok()) Raise(r.status());
  return *std::move(r);
}

api::ModelInput Model(const std::optional<std::string>& path,
                      const std::optional<py::bytes>& bytes, const std::string& display_name) {
  api::ModelInput m;
  if (bytes) {
    m.bytes = std::string(*bytes);
    m.display_name = display_name;
  } else {
    m.path = path.value_or("");
  }
  return m;
}

// The command's flags from keyword options; `excluded` flags don't apply in
// Python.
cli::Args FlagsFor(const cli::CommandSpec& spec, const Options& options,
                   const std::vector<std::pair<std::string, std::string>>& excluded) {
  std::vector<cli::KeywordOption> keywords;
  for (const auto& [name, value, flag] : options) keywords.push_back({name, value, flag});
  return Check(cli::ArgsFromKeywords(spec, keywords, excluded));
}

absl::StatusOr<DType> DTypeOf(const py::dtype& d, const std::string& source) {
  const char kind = d.kind();
  const size_t size = d.itemsize();
  struct Row {
    char kind;
    size_t size;
    DType dtype;
  };
  static constexpr Row kRows[] = {
      {'f', 2, DType::kFloat16}, {'f', 4, DType::kFloat32}, {'f', 8, DType::kFloat64},
      {'i', 1, DType::kInt8},    {'i', 2, DType::kInt16},   {'i', 4, DType::kInt32},
      {'i', 8, DType::kInt64},   {'u', 1, DType::kUInt8},   {'u', 2, DType::kUInt16},
      {'u', 4, DType::kUInt32},  {'u', 8, DType::kUInt64},  {'b', 1, DType::kBool}};
  for (const Row& r : kRows) {
    if (r.kind == kind && r.size == size) return r.dtype;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      source, ": numpy dtype '", py::cast<std::string>(py::str(static_cast<const py::handle&>(d))), "' has no quantc element type"));
}

// Copies an array into a Tensor (the GIL is held: numpy memory is read).
// The tensor cap (checked before the copy) and bool's 0/1 rule hold for
// arrays as for .npy files.
Tensor ToTensor(const py::array& a, const std::string& source) {
  DType dtype = Check(DTypeOf(a.dtype(), source));
  std::vector<int64_t> dims(a.shape(), a.shape() + a.ndim());
  auto fail = [&](const absl::Status& st) {
    Raise(absl::Status(st.code(), absl::StrCat(source, ": ", st.message())));
  };
  if (absl::StatusOr<int64_t> n = CheckShape(dtype, dims); !n.ok()) fail(n.status());
  std::string bytes(static_cast<const char*>(a.data()), a.nbytes());
  absl::StatusOr<Tensor> t = Tensor::FromBytes(dtype, std::move(dims), std::move(bytes));
  if (!t.ok()) fail(t.status());
  return *std::move(t);
}

std::vector<api::NamedArray> ToArrays(const Arrays& arrays) {
  std::vector<api::NamedArray> out;
  for (const auto& [input, a, source] : arrays) out.push_back({input, ToTensor(a, source), source});
  return out;
}

// A data argument: (path, None) or (None, ndarray); `name` labels arrays.
using DataArg = std::tuple<std::optional<std::string>, std::optional<py::array>>;

ArrayInput ToInput(const DataArg& arg, const std::string& name) {
  ArrayInput in;
  const auto& [path, array] = arg;
  if (array) {
    in.array = ToTensor(*array, name);
    in.name = name;
  } else {
    in.path = path.value_or("");
  }
  return in;
}

py::array ToNumpy(const Tensor& t) {
  static const std::pair<DType, const char*> kNames[] = {
      {DType::kFloat16, "float16"}, {DType::kFloat32, "float32"}, {DType::kFloat64, "float64"},
      {DType::kInt8, "int8"},       {DType::kInt16, "int16"},     {DType::kInt32, "int32"},
      {DType::kInt64, "int64"},     {DType::kUInt8, "uint8"},     {DType::kUInt16, "uint16"},
      {DType::kUInt32, "uint32"},   {DType::kUInt64, "uint64"},   {DType::kBool, "bool"}};
  for (const auto& [dtype, name] : kNames) {
    if (dtype != t.dtype()) continue;
    py::array a(py::dtype(name), std::vector<py::ssize_t>(t.dims().begin(), t.dims().end()));
    std::memcpy(a.mutable_data(), t.raw(), t.num_bytes());
    return a;
  }
  Raise(absl::UnimplementedError(absl::StrCat("element type ", DTypeName(t.dtype()),
                                              " has no numpy dtype")));
}

// Python callables behind an api::Console. A callback's exception is kept
// (later calls are skipped) and raised once quantc returns.
class PythonConsole {
 public:
  PythonConsole(py::object progress, bool print) : progress_(std::move(progress)) {
    if (!progress_.is_none()) {
      console_.progress = [this](absl::string_view stage, int64_t done, int64_t total) {
        Call([&] { progress_(std::string(stage), done, total); });
      };
    }
    if (print) {
      console_.out = [this](absl::string_view s) { Write("stdout", s); };
      console_.err = [this](absl::string_view s) { Write("stderr", s); };
    }
  }
  const api::Console& console() const { return console_; }
  /// Whether a callback raised or a signal (Ctrl-C) is pending: then quantc
  /// should stop.
  bool Poll() {
    Call([] {});
    return pending_.has_value();
  }
  void RethrowPending() {
    if (pending_) {
      py::error_already_set e = std::move(*pending_);
      pending_.reset();
      throw e;
    }
  }

 private:
  template <typename F>
  void Call(F&& f) {
    py::gil_scoped_acquire gil;
    if (pending_) return;
    try {
      f();
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    } catch (py::error_already_set& e) {
      pending_.emplace(std::move(e));
    }
  }
  void Write(const char* stream, absl::string_view s) {
    Call([&] { py::module_::import("sys").attr(stream).attr("write")(std::string(s)); });
  }

  py::object progress_;
  api::Console console_;
  std::optional<py::error_already_set> pending_;
};

// Runs `work` without the GIL, then raises what a callback left pending.
// Memory that runs out although every tensor is within the cap is the
// command's out-of-memory error (UnsupportedError), as in tools/quantc.cc.
template <typename T, typename F>
T Released(PythonConsole& pc, const api::ModelInput& model, F&& work) {
  std::optional<absl::StatusOr<T>> r;
  {
    py::gil_scoped_release release;
    try {
      r.emplace(work());
    } catch (const std::bad_alloc&) {
      r.emplace(api::InModel(
          model, absl::ResourceExhaustedError("out of memory (the model needs more memory than is "
                                              "available)")));
    }
  }
  pc.RethrowPending();
  return Check(*std::move(r));
}

const std::vector<std::pair<std::string, std::string>> kNoOutput = {
    {"output", "the result is returned"}, {"quiet", "pass progress= instead"}};

py::tuple Quantize(std::optional<std::string> path, std::optional<py::bytes> bytes,
                   std::string display_name, const std::optional<Arrays>& calib,
                   const Options& options,
                   py::object progress, bool print) {
  const api::ModelInput model = Model(path, bytes, display_name);
  auto excluded = kNoOutput;
  excluded.push_back({"calib", "it is the calib parameter"});
  cli::Args args = FlagsFor(api::QuantizeSpec(), options, excluded);
  api::CalibInput data;
  if (calib) data.arrays = ToArrays(*calib);
  PythonConsole pc(progress, print);
  api::QuantizeOutput out = Released<api::QuantizeOutput>(pc, model, [&] {
    return api::Quantize(model, data, args, pc.console(), /*want_report=*/true);
  });
  return py::make_tuple(py::bytes(out.model), out.report_json, py::bytes(out.report_file));
}

py::list Run(std::optional<std::string> path, std::optional<py::bytes> bytes,
             std::string display_name, const Arrays& inputs, const Options& options) {
  const api::ModelInput model = Model(path, bytes, display_name);
  cli::Args args = FlagsFor(api::RunSpec(), options,
                            {{"output", "the outputs are returned"},
                             {"input", "it is the inputs parameter"},
                             {"list-ops", "call quantc.supported_ops()"}});
  std::vector<api::NamedArray> arrays = ToArrays(inputs);
  PythonConsole pc(py::none(), false);
  auto outs = Released<std::vector<api::NamedTensor>>(
      pc, model, [&] { return api::Run(model, std::move(arrays), args, "inputs"); });
  py::list result;
  for (const api::NamedTensor& t : outs) result.append(py::make_tuple(t.name, ToNumpy(t.value)));
  return result;
}

std::string Inspect(std::optional<std::string> path, std::optional<py::bytes> bytes,
                    std::string display_name, const Options& options) {
  const api::ModelInput model = Model(path, bytes, display_name);
  cli::Args args = FlagsFor(api::InspectSpec(), options,
                            {{"format", "quantc.inspect returns the JSON summary as a dict"}});
  args.values["format"] = "json";
  PythonConsole pc(py::none(), false);
  return Released<std::string>(pc, model, [&] { return api::Inspect(model, args); });
}

py::bytes Convert(std::optional<std::string> path, std::optional<py::bytes> bytes,
                  std::string display_name, const Options& options, bool print) {
  const api::ModelInput model = Model(path, bytes, display_name);
  cli::Args args = FlagsFor(api::ConvertSpec(), options,
                            {{"output", "the model is returned"},
                             {"list-passes", "call quantc.list_passes()"}});
  PythonConsole pc(py::none(), print);
  return py::bytes(
      Released<std::string>(pc, model, [&] { return api::Convert(model, args, pc.console()); }));
}

py::tuple Compile(std::optional<std::string> path, std::optional<py::bytes> bytes,
                  std::string display_name, const Options& options) {
  const api::ModelInput model = Model(path, bytes, display_name);
  cli::Args args = FlagsFor(api::CompileSpec(), options, {{"output", "the files are returned"}});
  PythonConsole pc(py::none(), false);
  api::CompileOutput out = Released<api::CompileOutput>(
      pc, model, [&] { return api::Compile(model, args, "(memory)"); });
  py::list files;
  for (const auto& [name, text] : out.files) files.append(py::make_tuple(name, text));
  return py::make_tuple(files, py::bytes(out.report));
}

py::tuple Eval(std::optional<std::string> path, std::optional<py::bytes> bytes,
               std::string display_name, const DataArg& data, const DataArg& labels,
               const Options& options, py::object progress) {
  const api::ModelInput model = Model(path, bytes, display_name);
  cli::Args args = FlagsFor(api::EvalSpec(), options,
                            {{"data", "it is the data parameter"},
                             {"labels", "it is the labels parameter"},
                             {"quiet", "pass progress= instead"}});
  const ArrayInput x = ToInput(data, "data"), y = ToInput(labels, "labels");
  PythonConsole pc(progress, false);
  EvalResult r =
      Released<EvalResult>(pc, model, [&] { return api::Eval(model, x, y, args, pc.console()); });
  return py::make_tuple(r.metric == Metric::kTop1 ? "top1" : "mse", r.value, r.samples,
                        r.correct);
}

// Training runs in the quantc-train binary beside this module (or
// QUANTC_TRAIN), as a child process: libtorch never loads into Python.
py::tuple Train(std::optional<std::string> path, std::optional<py::bytes> bytes,
                std::string display_name, const DataArg& data, const DataArg& labels,
                const std::optional<DataArg>& val_data, const std::optional<DataArg>& val_labels,
                const Options& options, py::object progress, const std::string& module_dir) {
  api::TrainInputs in;
  in.model = Model(path, bytes, display_name);
  cli::Args args = FlagsFor(api::TrainSpec(), options,
                            {{"output", "the model is returned"},
                             {"train", "it is the data parameter"},
                             {"labels", "it is the labels parameter"},
                             {"val", "it is the val_data parameter"},
                             {"val-labels", "it is the val_labels parameter"}});
  in.train = ToInput(data, "data");
  in.labels = ToInput(labels, "labels");
  if (val_data) in.val = ToInput(*val_data, "val_data");
  if (val_labels) in.val_labels = ToInput(*val_labels, "val_labels");
  PythonConsole pc(progress, /*print=*/!args.Has("quiet"));
  api::TrainOutput out = Released<api::TrainOutput>(pc, in.model, [&] {
    return api::RunTrainer(api::TrainerPath(module_dir), in, args, pc.console(),
                           [&] { return pc.Poll(); });
  });
  return py::make_tuple(py::bytes(out.model), out.report_json, out.summary);
}

const cli::CommandSpec& SpecOf(const std::string& command) {
  for (const cli::CommandSpec* s : {&api::QuantizeSpec(), &api::RunSpec(), &api::InspectSpec(),
                                    &api::ConvertSpec(), &api::CompileSpec(), &api::EvalSpec(),
                                    &api::TrainSpec()}) {
    if (s->name == command) return *s;
  }
  Raise(cli::AsUsageError(absl::InvalidArgumentError(absl::StrCat("unknown command '", command, "'"))));
}

}  // namespace
}  // namespace quantc::python

PYBIND11_MODULE(_quantc, m) {
  namespace qp = quantc::python;
  m.doc() = "quantc's C++ core; use the quantc package, not this module.";
  m.attr("__version__") = quantc::kQuantcVersion;
  // As the command: QUANTC_MAX_TENSOR_BYTES sets the tensor cap (a bad
  // value fails the import with the command's message).
  if (absl::Status st = quantc::api::ApplyTensorCapFromEnvironment(); !st.ok()) {
    throw std::invalid_argument(std::string(st.message()));
  }
  static py::exception<qp::Failure> failure(m, "Failure");
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const qp::Failure& f) {
      PyErr_SetObject(failure.ptr(), py::make_tuple(f.exit_code, f.message).ptr());
    }
  });
  m.def("quantize", &qp::Quantize);
  m.def("run", &qp::Run);
  m.def("inspect", &qp::Inspect);
  m.def("convert", &qp::Convert);
  m.def("compile", &qp::Compile);
  m.def("eval", &qp::Eval);
  m.def("train", &qp::Train);
  m.def("help", [](const std::string& command) { return quantc::cli::FormatHelp(qp::SpecOf(command)); });
  m.def("list_passes", &quantc::api::ListPasses);
  m.def("supported_ops", &quantc::SupportedOps);
}
