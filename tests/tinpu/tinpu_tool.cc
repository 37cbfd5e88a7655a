// tinpu_tool: the helper program of //tests/tinpu:tinpu_test.
//
//   tinpu_tool check MODEL --weight-bits=B [--float-ops=OP,...]
//       Static format checks (format_check.h); --float-ops declares the op
//       types the model keeps in float on the CPU. Prints "violation: ..."
//       lines and one "format:" summary line. Exit 1 on any violation.
//   tinpu_tool eval MODEL --input=X.npy --output=OUT.npy [--expect=LABEL=F.npy]...
//       Exact integer evaluation (int_evaluator.h) of every sample of X
//       (N, ...); writes the stacked first output as float32 (N, ...).
//       Each --expect file must equal it element for element; prints
//       "expect LABEL: identical" or the first mismatch. Then two "peak"
//       lines: the largest integer a float32 evaluation must hold exactly,
//       and where, on these samples ("peak observed:") and for every input
//       ("peak worst case:", bounds.h). Exit 1 on any mismatch.
//   tinpu_tool diff A.npy B.npy
//       Element-for-element comparison of two stacked outputs (same element
//       count); prints "identical" or the first mismatch. Exit 1 if they
//       differ.
//   tinpu_tool slice MODEL X.npy I OUT.npy
//       Writes sample I of X shaped as the model's input.
//   tinpu_tool tap MODEL OUT.onnx
//       The model with every node output added as a graph output (after the
//       original outputs, in node order), to read intermediates from ORT or
//       `quantc run`.
//   tinpu_tool integer-outputs MODEL OUT.onnx
//       The model with each output computed by a float op (a CPU fallback
//       such as a final Softmax) replaced by the integers that op
//       dequantizes, so the integer network compares bit for bit.
//   tinpu_tool trace MODEL SAMPLE.npy (--ort-dir=DIR | --run-dir=DIR)
//       Evaluates SAMPLE exactly and compares every node output with the
//       tapped model's outputs in DIR (ort_run.js names: <i>_<name>.npy;
//       quantc run names: <name>.npy); prints the first node that differs.
//
// Exit codes: 0 ok, 1 mismatch or violation, 2 usage, 3 bad input, 4 an op
// the evaluator does not implement.
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "ir/npy.h"
#include "ir/onnx_export.h"
#include "ir/onnx_import.h"
#include "tests/tinpu/bounds.h"
#include "tests/tinpu/format_check.h"
#include "tests/tinpu/int_evaluator.h"

namespace quantc::tinpu {
namespace {

constexpr double kFloatExactLimit = 16777216.0;  // 2^24

int Fail(const absl::Status& st) {
  std::fprintf(stderr, "tinpu_tool: %s\n", std::string(st.message()).c_str());
  switch (st.code()) {
    case absl::StatusCode::kUnimplemented:
      return 4;
    case absl::StatusCode::kInternal:
      return 1;
    default:
      return 3;
  }
}

int Usage() {
  std::fprintf(stderr,
               "usage: tinpu_tool check MODEL --weight-bits=B [--float-ops=OP,...]\n"
               "       tinpu_tool eval MODEL --input=X.npy --output=OUT.npy "
               "[--expect=LABEL=F.npy]...\n"
               "       tinpu_tool diff A.npy B.npy\n"
               "       tinpu_tool slice MODEL X.npy I OUT.npy\n"
               "       tinpu_tool tap MODEL OUT.onnx\n"
               "       tinpu_tool integer-outputs MODEL OUT.onnx\n"
               "       tinpu_tool trace MODEL SAMPLE.npy (--ort-dir=DIR | --run-dir=DIR)\n");
  return 2;
}

// "--name=value" -> value, or "" if `arg` is not that flag.
std::string Flag(const std::string& arg, const std::string& name) {
  std::string prefix = "--" + name + "=";
  return absl::StartsWith(arg, prefix) ? arg.substr(prefix.size()) : "";
}

std::string MultiIndex(int64_t flat, const std::vector<int64_t>& dims) {
  std::vector<int64_t> idx(dims.size());
  for (int d = static_cast<int>(dims.size()) - 1; d >= 0; --d) {
    idx[d] = dims[d] ? flat % dims[d] : 0;
    flat = dims[d] ? flat / dims[d] : 0;
  }
  return absl::StrCat("[", absl::StrJoin(idx, ","), "]");
}

std::string Dims(const std::vector<int64_t>& d) { return absl::StrCat("[", absl::StrJoin(d, ","), "]"); }

// The float32 values of an .npy file.
absl::StatusOr<Tensor> ReadFloats(const std::string& path) {
  auto t = ReadNpyFile(path);
  if (!t.ok()) return t.status();
  if (t->dtype() != DType::kFloat32) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": expected float32"));
  }
  return *t;
}

// Compares `got` with `want` (same element count); per_sample > 0 splits
// the flat index into (sample, element). Returns a one-line verdict and
// sets *same.
std::string Compare(const Tensor& want, const Tensor& got, int64_t per_sample,
                    const std::vector<int64_t>& sample_dims, bool* same) {
  *same = false;
  if (want.num_elements() != got.num_elements()) {
    return absl::StrCat("DIFFER: ", got.num_elements(), " elements instead of ",
                        want.num_elements(), " (", Dims(got.dims()), " vs ", Dims(want.dims()),
                        ")");
  }
  auto w = want.data<float>();
  auto g = got.data<float>();
  int64_t first = -1, count = 0;
  double max_diff = 0;
  for (int64_t i = 0; i < want.num_elements(); ++i) {
    if (w[i] == g[i]) continue;  // NaN never equals: counted as a mismatch
    ++count;
    double d = std::fabs(double{w[i]} - double{g[i]});
    max_diff = std::isnan(d) || std::isnan(max_diff) ? NAN : std::max(max_diff, d);
    if (first < 0) first = i;
  }
  if (count == 0) {
    *same = true;
    return absl::StrCat("identical (", want.num_elements(), " elements, max abs diff 0)");
  }
  std::string where = absl::StrCat("element ", first);
  if (per_sample > 0) {
    where = absl::StrCat("sample ", first / per_sample, " element ",
                         MultiIndex(first % per_sample, sample_dims));
  }
  return absl::StrCat("DIFFER: ", count, " of ", want.num_elements(),
                      " elements, max abs diff ", max_diff, "; first at ", where,
                      ": expected ", w[first], ", got ", g[first]);
}

// The model input's dims (static) and element count.
absl::StatusOr<std::vector<int64_t>> InputDims(const Graph& g) {
  if (g.inputs().size() != 1) {
    return absl::UnimplementedError("only single-input models are supported");
  }
  auto d = g.inputs()[0]->type().StaticDims();
  if (!d) return absl::InvalidArgumentError("the model input has no static shape");
  return *d;
}

// Sample `i` of X (N, ...), shaped as the model input.
absl::StatusOr<Tensor> Sample(const Tensor& x, int64_t i, const std::vector<int64_t>& dims) {
  int64_t per = NumElements(dims);
  if (x.rank() < 1 || x.dims()[0] * per != x.num_elements()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "samples ", Dims(x.dims()), " do not match the model input ", Dims(dims)));
  }
  if (i < 0 || i >= x.dims()[0]) return absl::InvalidArgumentError("sample index out of range");
  std::string bytes(x.raw() + i * per * sizeof(float), per * sizeof(float));
  return Tensor(DType::kFloat32, dims, std::move(bytes));
}

int Check(int argc, char** argv) {
  if (argc < 3) return Usage();
  FormatOptions o;
  for (int i = 3; i < argc; ++i) {
    std::string v = Flag(argv[i], "weight-bits");
    std::string f = Flag(argv[i], "float-ops");
    if (!f.empty()) {
      for (absl::string_view op : absl::StrSplit(f, ',', absl::SkipEmpty())) o.float_ops.insert(std::string(op));
      continue;
    }
    if (v.empty()) return Usage();
    o.weight_bits = std::stoi(v);
  }
  auto g = ImportModelFile(argv[2]);
  if (!g.ok()) return Fail(g.status());
  FormatReport r = CheckTinpuFormat(**g, o);
  for (const std::string& v : r.violations) std::printf("violation: %s\n", v.c_str());
  std::vector<std::string> ops, clips, blocks;
  for (const auto& [op, n] : r.op_counts) ops.push_back(absl::StrCat(op, ":", n));
  for (const auto& [range, n] : r.clip_ranges) clips.push_back(absl::StrCat(range, "x", n));
  std::map<std::string, std::pair<float, float>> mult_range;
  int min_k = 99, max_k = -1;
  for (const OssBlock& b : r.blocks) {
    auto& [lo, hi] = mult_range.try_emplace(b.kind, 1e9f, -1e9f).first->second;
    for (float m : b.mult) lo = std::min(lo, m), hi = std::max(hi, m);
    for (float s : b.shift_mult) {
      int k = -std::ilogb(s);
      min_k = std::min(min_k, k);
      max_k = std::max(max_k, k);
    }
    if (b.kind == "input" && b.offset.size() == 1 && b.mult.size() == 1 &&
        b.shift_mult.size() == 1) {
      // §4.14: offset = 2^(shift-1)/mult, i.e. +1/2 output LSB (round half up).
      const double half = double{b.offset[0]} * b.mult[0] * b.shift_mult[0];
      blocks.push_back(absl::StrCat("input(offset ", b.offset[0], " mult ", b.mult[0], " shift ",
                                    -std::ilogb(b.shift_mult[0]), " clip [", b.clip_lo, ",",
                                    b.clip_hi, "], offset = ", half, " output LSB)"));
    }
  }
  std::vector<std::string> mults;
  for (const auto& [kind, range] : mult_range) {
    mults.push_back(range.first == range.second ? absl::StrCat(kind, "=", range.first)
                                                : absl::StrCat(kind, "=", range.first, "..",
                                                               range.second));
  }
  std::printf(
      "format: %s; ops %s; %zu OSS blocks %s; mult %s; shift %s; max|w| %g; "
      "max|offset| %g; clips %s\n",
      r.violations.empty() ? "ok" : absl::StrCat(r.violations.size(), " violations").c_str(),
      absl::StrJoin(ops, " ").c_str(), r.blocks.size(), absl::StrJoin(blocks, " ").c_str(),
      absl::StrJoin(mults, " ").c_str(),
      max_k < 0 ? "-" : absl::StrCat(min_k, "..", max_k).c_str(), r.max_abs_weight, r.max_abs_offset,
      absl::StrJoin(clips, " ").c_str());
  return r.violations.empty() ? 0 : 1;
}

// "2^x (v) at NODE; float32-exact: yes|NO (> 2^24 at ...)".
std::string PeakSummary(const std::vector<NodePeak>& peaks) {
  NodePeak top;
  std::vector<std::string> over;
  for (const NodePeak& p : peaks) {
    if (p.magnitude > top.magnitude) top = p;
    if (p.magnitude > kFloatExactLimit) over.push_back(p.node);
  }
  return absl::StrCat("2^", absl::StrFormat("%.2f", top.magnitude > 0 ? std::log2(top.magnitude) : 0),
                      " (", absl::StrFormat("%.0f", top.magnitude), ") at ", top.node,
                      "; float32-exact: ",
                      over.empty() ? "yes" : absl::StrCat("NO, > 2^24 at ", absl::StrJoin(over, "; ")));
}

int Eval(int argc, char** argv) {
  if (argc < 3) return Usage();
  std::string input, output;
  std::vector<std::pair<std::string, std::string>> expects;
  for (int i = 3; i < argc; ++i) {
    std::string a = argv[i];
    if (!Flag(a, "input").empty()) {
      input = Flag(a, "input");
    } else if (!Flag(a, "output").empty()) {
      output = Flag(a, "output");
    } else if (std::string e = Flag(a, "expect"); !e.empty() && e.find('=') != std::string::npos) {
      expects.emplace_back(e.substr(0, e.find('=')), e.substr(e.find('=') + 1));
    } else {
      return Usage();
    }
  }
  if (input.empty() || output.empty()) return Usage();
  auto g = ImportModelFile(argv[2]);
  if (!g.ok()) return Fail(g.status());
  auto dims = InputDims(**g);
  if (!dims.ok()) return Fail(dims.status());
  auto x = ReadFloats(input);
  if (!x.ok()) return Fail(x.status());
  auto ev = IntEvaluator::Create(**g);
  if (!ev.ok()) return Fail(ev.status());
  const int64_t n = x->rank() ? x->dims()[0] : 0;
  std::vector<float> stacked;
  std::vector<int64_t> out_dims;
  for (int64_t i = 0; i < n; ++i) {
    auto s = Sample(*x, i, *dims);
    if (!s.ok()) return Fail(s.status());
    auto outs = (*ev)->Run({*s});
    if (!outs.ok()) {
      return Fail(absl::Status(outs.status().code(),
                               absl::StrCat("sample ", i, ": ", outs.status().message())));
    }
    auto f = ToFloatTensor(outs->at(0));
    if (!f.ok()) {
      return Fail(absl::Status(f.status().code(),
                               absl::StrCat("sample ", i, " output: ", f.status().message())));
    }
    out_dims = f->dims();
    auto d = f->data<float>();
    stacked.insert(stacked.end(), d.begin(), d.end());
  }
  std::vector<int64_t> file_dims = {n};
  file_dims.insert(file_dims.end(), out_dims.begin() + (!out_dims.empty() && out_dims[0] == 1),
                   out_dims.end());
  Tensor result = Tensor::FromVector<float>(file_dims, stacked);
  absl::Status st = WriteNpyFile(output, result);
  if (!st.ok()) return Fail(st);
  bool all_same = true;
  const int64_t per = n ? result.num_elements() / n : 0;
  const std::vector<int64_t> sample_dims(file_dims.begin() + 1, file_dims.end());
  for (const auto& [label, file] : expects) {
    auto got = ReadFloats(file);
    if (!got.ok()) return Fail(got.status());
    bool same;
    std::printf("expect %s: %s\n", label.c_str(),
                Compare(result, *got, per, sample_dims, &same).c_str());
    all_same = all_same && same;
  }
  auto worst = WorstCaseMagnitudes(**g);
  if (!worst.ok()) return Fail(worst.status());
  std::printf("peak observed: %s\n", PeakSummary((*ev)->peaks()).c_str());
  std::printf("peak worst case: %s\n", PeakSummary(*worst).c_str());
  return all_same ? 0 : 1;
}

int Diff(int argc, char** argv) {
  if (argc != 4) return Usage();
  auto a = ReadFloats(argv[2]);
  if (!a.ok()) return Fail(a.status());
  auto b = ReadFloats(argv[3]);
  if (!b.ok()) return Fail(b.status());
  int64_t n = a->rank() ? a->dims()[0] : 0;
  std::vector<int64_t> sample_dims(a->dims().begin() + (a->rank() ? 1 : 0), a->dims().end());
  bool same;
  std::printf("%s\n", Compare(*a, *b, n ? a->num_elements() / n : 0, sample_dims, &same).c_str());
  return same ? 0 : 1;
}

int Slice(int argc, char** argv) {
  if (argc != 6) return Usage();
  auto g = ImportModelFile(argv[2]);
  if (!g.ok()) return Fail(g.status());
  auto dims = InputDims(**g);
  if (!dims.ok()) return Fail(dims.status());
  auto x = ReadFloats(argv[3]);
  if (!x.ok()) return Fail(x.status());
  auto s = Sample(*x, std::stoll(argv[4]), *dims);
  if (!s.ok()) return Fail(s.status());
  absl::Status st = WriteNpyFile(argv[5], *s);
  return st.ok() ? 0 : Fail(st);
}

// Node outputs in tap order: the values `tap` appends, in node order.
std::vector<const Value*> TappedValues(const Graph& g) {
  std::vector<const Value*> out;
  for (const Node* n : g.nodes()) {
    for (const Value* v : n->outputs()) {
      if (v != nullptr && !g.IsGraphOutput(v)) out.push_back(v);
    }
  }
  return out;
}

int Tap(int argc, char** argv) {
  if (argc != 4) return Usage();
  auto g = ImportModelFile(argv[2]);
  if (!g.ok()) return Fail(g.status());
  for (const Value* v : TappedValues(**g)) (*g)->AddOutput(const_cast<Value*>(v));
  absl::Status st = ExportModelFile(**g, argv[3]);
  return st.ok() ? 0 : Fail(st);
}

// The model with every output a float op computes (a CPU fallback at the
// end, e.g. Softmax) replaced by the integers that op dequantizes: the
// integer network, whose outputs can be compared bit for bit.
int IntegerOutputs(int argc, char** argv) {
  if (argc != 4) return Usage();
  auto g = ImportModelFile(argv[2]);
  if (!g.ok()) return Fail(g.status());
  Graph& graph = **g;
  for (int i = 0; i < static_cast<int>(graph.outputs().size()); ++i) {
    const Node* p = graph.outputs()[i]->producer();
    if (!p || !IsFloatFallbackOp(p->op_type())) continue;
    Value* x = p->input(0);
    const Node* mul = x->producer();
    if (mul && mul->op_type() == "Mul") {
      x = mul->input(0)->is_initializer() ? mul->input(1) : mul->input(0);
    }
    graph.SetOutput(i, x);
  }
  absl::Status st = ExportModelFile(graph, argv[3]);
  return st.ok() ? 0 : Fail(st);
}

std::string Sanitize(const std::string& name) {
  std::string s = name;
  for (char& c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) c = '_';
  }
  return s;
}

int Trace(int argc, char** argv) {
  if (argc != 5) return Usage();
  std::string ort_dir = Flag(argv[4], "ort-dir"), run_dir = Flag(argv[4], "run-dir");
  if (ort_dir.empty() == run_dir.empty()) return Usage();
  auto g = ImportModelFile(argv[2]);
  if (!g.ok()) return Fail(g.status());
  auto x = ReadFloats(argv[3]);
  if (!x.ok()) return Fail(x.status());
  auto dims = InputDims(**g);
  if (!dims.ok()) return Fail(dims.status());
  auto s = Sample(*x, 0, *dims);
  if (!s.ok()) return Fail(s.status());
  auto ev = IntEvaluator::Create(**g);
  if (!ev.ok()) return Fail(ev.status());
  absl::flat_hash_map<std::string, ExactTensor> values;
  auto outs = (*ev)->Run({*s}, &values);
  if (!outs.ok()) return Fail(outs.status());
  std::vector<const Value*> tapped = TappedValues(**g);
  const size_t first_index = (*g)->outputs().size();
  int compared = 0;
  std::string note;
  for (const Node* n : (*g)->nodes()) {
    const Value* v = n->output(0);
    std::string file;
    if (!run_dir.empty()) {
      file = absl::StrCat(run_dir, "/", Sanitize(v->name()), ".npy");
    } else {
      size_t idx = 0;
      if (!(*g)->IsGraphOutput(v)) {
        idx = first_index + (std::find(tapped.begin(), tapped.end(), v) - tapped.begin());
      }
      file = absl::StrCat(ort_dir, "/", idx, "_", Sanitize(v->name()).substr(0, 100), ".npy");
    }
    auto got = ReadFloats(file);
    if (!got.ok()) return Fail(got.status());
    const ExactTensor& exact = values.at(v->name());
    if (exact.float_domain) {
      // Float input block: float32 rounds (x + offset) by design; remember
      // the first rounding, which explains a later integer difference.
      for (int64_t i = 0; i < exact.size() && note.empty(); ++i) {
        if (i >= got->num_elements()) break;
        auto f = ToFloat(exact.v[i]);
        if (!f.ok() || *f != got->data<float>()[i]) {
          note = absl::StrFormat(
              " (earlier, in the float input block, %s element %d holds %.9g in float32 where "
              "the exact value is %s = %.12g)",
              n->Describe(), i, got->data<float>()[i], RationalToString(exact.v[i]),
              static_cast<double>(exact.v[i].num) / static_cast<double>(exact.v[i].den));
        }
      }
      ++compared;
      continue;
    }
    auto want = ToFloatTensor(exact);
    if (!want.ok()) {
      std::printf("trace: %s output '%s' is not exactly a float32 (%s)\n", n->Describe().c_str(),
                  v->name().c_str(), std::string(want.status().message()).c_str());
      return 1;
    }
    bool same;
    std::string verdict = Compare(*want, *got, want->num_elements(), want->dims(), &same);
    ++compared;
    if (!same) {
      std::printf("trace: first differing node: %s output '%s': %s (integer evaluation = "
                  "expected)%s\n",
                  n->Describe().c_str(), v->name().c_str(), verdict.c_str(), note.c_str());
      return 1;
    }
  }
  std::printf("trace: all %d node outputs identical\n", compared);
  return 0;
}

}  // namespace
}  // namespace quantc::tinpu

int main(int argc, char** argv) {
  using namespace quantc::tinpu;  // NOLINT
  if (argc < 2) return Usage();
  std::string cmd = argv[1];
  if (cmd == "check") return Check(argc, argv);
  if (cmd == "eval") return Eval(argc, argv);
  if (cmd == "diff") return Diff(argc, argv);
  if (cmd == "slice") return Slice(argc, argv);
  if (cmd == "tap") return Tap(argc, argv);
  if (cmd == "integer-outputs") return IntegerOutputs(argc, argv);
  if (cmd == "trace") return Trace(argc, argv);
  return Usage();
}
