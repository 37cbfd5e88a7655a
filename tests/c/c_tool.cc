// Helpers for the C backend tests (tests/c/*.sh):
//
//   c_tool raw IN.npy OUT [N]          the first N samples (default all) as
//                                      raw little-endian float32
//   c_tool compare REF.npy OUT.i8 [N]  int8 codes: REF (quantc run --integer)
//                                      against a harness's raw output; names
//                                      the first mismatch, exit 1 if any
//   c_tool text2onnx IN.onnxtxt OUT.onnx   ONNX text syntax -> model file
//                                      (ONNX shape inference fills types)
//   c_tool agreement MODEL.onnx X.npy [Y.npy]
//       the integer program (quantc run --integer) against the model's own
//       float evaluation (quantc run: exact float QDQ, or TINPU in float32)
//       on every sample, as one JSON line:
//         output_*    the model output codes, end to end;
//         tensors_*   every intermediate quantized tensor, end to end;
//         isolated_*  every op fed the float evaluation's inputs, so only
//                     its own requantization can differ;
//         argmax_agree, accuracy_int / accuracy_float (with labels Y).
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "backends/c/lower.h"
#include "backends/c/reference.h"
#include "ir/interpreter.h"
#include "ir/npy.h"
#include "ir/onnx_export.h"
#include "ir/onnx_import.h"
#include "util/file.h"
#include "util/status_macros.h"

namespace quantc::cbackend {
namespace {

struct Stats {
  int64_t elements = 0, differ = 0, max_lsb = 0;
  void Add(const std::vector<int8_t>& a, const std::vector<int8_t>& b) {
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
      const int64_t d = std::abs(static_cast<int64_t>(a[i]) - b[i]);
      ++elements;
      differ += d != 0;
      max_lsb = std::max(max_lsb, d);
    }
  }
  std::string Json(const char* key) const {
    return absl::StrCat("\"", key, "_elements\": ", elements, ", \"", key, "_differ\": ", differ,
                        ", \"", key, "_max_lsb\": ", max_lsb);
  }
};

int64_t Rows(const Tensor& t) { return t.dims().empty() ? 1 : t.dims()[0]; }

absl::Status Raw(const std::string& in, const std::string& out, int64_t n) {
  QC_ASSIGN_OR_RETURN(Tensor t, ReadNpyFile(in));
  if (t.dtype() != DType::kFloat32) return absl::InvalidArgumentError(in + ": not float32");
  n = n < 0 ? Rows(t) : std::min(n, Rows(t));
  return WriteFileAtomically(out, absl::string_view(t.raw(), t.num_bytes() / Rows(t) * n));
}

absl::Status Compare(const std::string& ref_path, const std::string& out_path, int64_t n) {
  QC_ASSIGN_OR_RETURN(Tensor ref, ReadNpyFile(ref_path));
  QC_ASSIGN_OR_RETURN(std::string out, ReadFile(out_path));
  if (ref.dtype() != DType::kInt8) return absl::InvalidArgumentError(ref_path + ": not int8");
  const int64_t per = ref.num_elements() / Rows(ref);
  n = n < 0 ? Rows(ref) : n;
  if (static_cast<int64_t>(out.size()) != per * n || n > Rows(ref)) {
    return absl::InvalidArgumentError(absl::StrCat(out_path, ": ", out.size(), " bytes, expected ",
                                                   per * n, " (", n, " samples)"));
  }
  for (int64_t i = 0; i < per * n; ++i) {
    if (static_cast<int8_t>(out[i]) != ref.data<int8_t>()[i]) {
      return absl::DataLossError(absl::StrCat("sample ", i / per, " element ", i % per, ": ",
                                              out_path, " has ", static_cast<int>(out[i]), ", ",
                                              ref_path, " has ",
                                              static_cast<int>(ref.data<int8_t>()[i])));
    }
  }
  std::printf("%lld samples x %lld codes equal\n", static_cast<long long>(n),
              static_cast<long long>(per));
  return absl::OkStatus();
}

// The float evaluation's value of a program tensor as int8 codes.
std::vector<int8_t> AsCodes(const IntProgram& p, int t, const Tensor& v) {
  std::vector<int8_t> c(v.num_elements());
  for (int64_t i = 0; i < v.num_elements(); ++i) {
    const double x = v.GetAsDouble(i);
    // QDQ: uint8 codes move to int8; TINPU: float-held integers v = q - zp.
    const double code = p.format == SourceFormat::kTinpu ? x + p.tensors[t].zero_point
                        : v.dtype() == DType::kUInt8     ? x - 128
                                                         : x;
    c[i] = static_cast<int8_t>(code);
  }
  return c;
}

int Argmax(const std::vector<int8_t>& v) {
  int best = 0;
  for (size_t i = 1; i < v.size(); ++i) best = v[i] > v[best] ? static_cast<int>(i) : best;
  return best;
}

absl::Status Agreement(const std::string& model, const std::string& xs, const std::string& ys) {
  QC_ASSIGN_OR_RETURN(std::unique_ptr<Graph> g, ImportModelFile(model));
  QC_ASSIGN_OR_RETURN(IntProgram p, LowerToIntProgram(*g));
  QC_ASSIGN_OR_RETURN(Tensor x, ReadNpyFile(xs));
  std::optional<Tensor> y;
  if (!ys.empty()) {
    QC_ASSIGN_OR_RETURN(y, ReadNpyFile(ys));
  }
  absl::flat_hash_map<std::string, int> by_name;  // program tensors with a float twin
  for (size_t t = 0; t < p.tensors.size(); ++t) {
    if (!p.tensors[t].is_constant()) by_name[p.tensors[t].name] = static_cast<int>(t);
  }
  Interpreter interp(*g);
  std::map<int, Tensor> twin;  // program tensor -> float evaluation's value
  interp.set_observer([&](const Value& v, const Tensor& t) {
    auto it = by_name.find(v.name());
    if (it != by_name.end()) twin[it->second] = t;
  });
  const std::vector<int64_t> in_dims = g->inputs()[0]->type().StaticDims().value();
  const int64_t per = NumElements(in_dims);
  const int64_t n = x.num_elements() / per;
  Reference ref(p), isolated(p);
  Stats output, tensors, iso;
  int64_t agree = 0, correct_int = 0, correct_float = 0;
  for (int64_t s = 0; s < n; ++s) {
    Tensor sample(DType::kFloat32, in_dims, std::string(x.raw() + s * per * 4, per * 4));
    twin.clear();
    QC_ASSIGN_OR_RETURN(std::vector<Tensor> fouts, interp.Run({sample}));
    QC_ASSIGN_OR_RETURN(std::vector<int8_t> iout, ref.Run(sample));
    for (const auto& [t, v] : twin) {
      const std::vector<int8_t> codes = AsCodes(p, t, v);
      (t == p.output ? output : tensors).Add(ref.Values(t), codes);
    }
    for (size_t i = 0; i < p.ops.size(); ++i) {
      const IntOp& op = p.ops[i];
      bool known = twin.count(op.output) > 0;
      for (int t : op.inputs) known = known && (p.tensors[t].is_constant() || twin.count(t));
      if (!known) continue;
      for (int t : op.inputs) {
        if (!p.tensors[t].is_constant()) isolated.SetValues(t, AsCodes(p, t, twin[t]));
      }
      isolated.RunOp(static_cast<int>(i));
      iso.Add(isolated.Values(op.output), AsCodes(p, op.output, twin[op.output]));
    }
    const std::vector<int8_t> fcodes = AsCodes(p, p.output, twin[p.output]);
    agree += Argmax(iout) == Argmax(fcodes);
    if (y) {
      const int64_t label = static_cast<int64_t>(y->GetAsDouble(s));
      correct_int += Argmax(iout) == label;
      correct_float += Argmax(fcodes) == label;
    }
  }
  std::printf("{\"samples\": %lld, %s, %s, %s, \"argmax_agree\": %.6f", static_cast<long long>(n),
              output.Json("output").c_str(), tensors.Json("tensors").c_str(),
              iso.Json("isolated").c_str(), static_cast<double>(agree) / n);
  if (y) {
    std::printf(", \"accuracy_int\": %.6f, \"accuracy_float\": %.6f",
                static_cast<double>(correct_int) / n, static_cast<double>(correct_float) / n);
  }
  std::printf("}\n");
  return absl::OkStatus();
}

absl::Status TextToOnnx(const std::string& in, const std::string& out) {
  QC_ASSIGN_OR_RETURN(std::string text, ReadFile(in));
  QC_ASSIGN_OR_RETURN(std::unique_ptr<Graph> g, ImportModelText(text));
  QC_RETURN_IF_ERROR(InferTypes(*g).status());
  return ExportModelFile(*g, out);
}

int Main(int argc, char** argv) {
  const std::string cmd = argc > 1 ? argv[1] : "";
  absl::Status st;
  if (cmd == "raw" && (argc == 4 || argc == 5)) {
    st = Raw(argv[2], argv[3], argc == 5 ? std::atoll(argv[4]) : -1);
  } else if (cmd == "compare" && (argc == 4 || argc == 5)) {
    st = Compare(argv[2], argv[3], argc == 5 ? std::atoll(argv[4]) : -1);
  } else if (cmd == "text2onnx" && argc == 4) {
    st = TextToOnnx(argv[2], argv[3]);
  } else if (cmd == "agreement" && (argc == 4 || argc == 5)) {
    st = Agreement(argv[2], argv[3], argc == 5 ? argv[4] : "");
  } else {
    std::fprintf(stderr, "usage: c_tool raw|compare|agreement ... (see c_tool.cc)\n");
    return 2;
  }
  if (!st.ok()) {
    std::fprintf(stderr, "c_tool: %s\n", std::string(st.message()).c_str());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace quantc::cbackend

int main(int argc, char** argv) { return quantc::cbackend::Main(argc, argv); }
