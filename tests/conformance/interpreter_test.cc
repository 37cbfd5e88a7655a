// Interpreter conformance against ONNX's own test data
// (/usr/share/libonnx-testdata/data/{node,pytorch-converted,pytorch-operator}).
//
// A test directory is in scope when its model imports and every op in it has
// a kernel (HasKernel). For each test_data_set_N the interpreter's outputs
// must match output_K.pb: float types within rtol 1e-3 / atol 1e-7 (ONNX's
// backend-test tolerances, NaN == NaN), everything else exactly.
//
// A run that fails with Unimplemented (a kernel exists but not for this
// dtype or attribute value, e.g. random training-mode Dropout) is reported
// as "unsupported" and listed by name; any other error or mismatch is a
// failure. Models that do not import, or use ops without kernels, are
// counted apart (clean rejections, not passes).
//
// The test cannot shrink its own scope: the in-scope test folders and the
// passing cases are pinned in tests/conformance/pins/interpreter_*.txt, and
// a pinned entry that is no longer in scope or no longer passes fails the
// test, listed by name; so does a missing corpus. New passes are printed;
// record them with tests/conformance/update_pins.sh.
#include "ir/interpreter.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "ir/kernels/kernel.h"
#include "ir/onnx_import.h"

namespace quantc {
namespace {

constexpr char kRoot[] = "/usr/share/libonnx-testdata/data";
constexpr double kRtol = 1e-3;
constexpr double kAtol = 1e-7;

std::vector<std::string> ListDir(const std::string& path) {
  std::vector<std::string> names;
  DIR* d = opendir(path.c_str());
  if (d == nullptr) return names;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

bool IsFloat(DType t) {
  return t == DType::kFloat32 || t == DType::kFloat64 || t == DType::kFloat16 ||
         t == DType::kBFloat16;
}

// Empty string when `got` matches `want`, else a description of the first
// difference.
std::string Compare(const Tensor& got, const Tensor& want) {
  if (got.dtype() != want.dtype()) {
    return absl::StrCat("dtype ", DTypeName(got.dtype()), " != expected ", DTypeName(want.dtype()));
  }
  if (got.dims() != want.dims()) {
    return absl::StrCat("shape ", kernels::ShapeStr(got.dims()), " != expected ",
                        kernels::ShapeStr(want.dims()));
  }
  if (want.dtype() == DType::kString) {
    for (int64_t i = 0; i < want.num_elements(); ++i) {
      if (got.strings()[i] != want.strings()[i]) {
        return absl::StrCat("element ", i, ": '", got.strings()[i], "' != expected '",
                            want.strings()[i], "'");
      }
    }
    return "";
  }
  if (!IsFloat(want.dtype())) {
    if (got.num_bytes() != want.num_bytes() ||
        std::memcmp(got.raw(), want.raw(), want.num_bytes()) != 0) {
      for (int64_t i = 0; i < want.num_elements(); ++i) {
        if (got.GetAsDouble(i) != want.GetAsDouble(i)) {
          return absl::StrCat("element ", i, ": ", got.GetAsDouble(i), " != expected ",
                              want.GetAsDouble(i));
        }
      }
      return "bytes differ";
    }
    return "";
  }
  auto g = kernels::CastTensor(got, DType::kFloat64);
  auto w = kernels::CastTensor(want, DType::kFloat64);
  if (!g.ok() || !w.ok()) return "cannot widen to f64";
  auto gd = g->data<double>();
  auto wd = w->data<double>();
  for (size_t i = 0; i < wd.size(); ++i) {
    if (std::isnan(wd[i]) && std::isnan(gd[i])) continue;
    if (wd[i] == gd[i]) continue;  // also equal infinities
    if (!(std::fabs(gd[i] - wd[i]) <= kAtol + kRtol * std::fabs(wd[i]))) {
      return absl::StrCat("element ", i, ": ", gd[i], " != expected ", wd[i]);
    }
  }
  return "";
}

// ONNX 1.12's test data stores bfloat16 tensors as uint16 (numpy has no
// bfloat16); reinterpret such bytes as the type the graph declares.
Tensor Retag(const Tensor& t, DType want) {
  if (want == DType::kBFloat16 && t.dtype() == DType::kUInt16) {
    return Tensor(want, t.dims(), std::string(t.raw(), t.num_bytes()));
  }
  return t;
}

// ONNX 1.12 generated its float->bfloat16 expectations by truncating the
// float's low 16 bits, while the interpreter (like current ONNX and ONNX
// Runtime) rounds to nearest even, so bfloat16 results may differ by one
// unit in the last place: that difference, and only it, is accepted.
bool WithinOneBf16Ulp(const Tensor& got, const Tensor& want) {
  if (got.dtype() != DType::kBFloat16 || got.dims() != want.dims()) return false;
  auto g = got.data<uint16_t>();
  auto w = want.data<uint16_t>();
  for (size_t i = 0; i < g.size(); ++i) {
    if ((g[i] & 0x8000) != (w[i] & 0x8000)) return false;
    if (std::abs(static_cast<int>(g[i]) - static_cast<int>(w[i])) > 1) return false;
  }
  return true;
}

// Test data that contradicts its own model, so no conforming runtime can
// pass it; reported as skipped with the reason.
const std::map<std::string, std::string>& BrokenTestData() {
  static const auto* broken = new std::map<std::string, std::string>{
      {"test_castlike_BFLOAT16_to_FLOAT", "model declares input 'like' [3,4], data is [1]"},
      {"test_castlike_BFLOAT16_to_FLOAT_expanded",
       "model declares input 'like' [3,4], data is [1]"},
      {"test_castlike_FLOAT_to_BFLOAT16", "model declares input 'like' [3,4], data is [1]"},
      {"test_castlike_FLOAT_to_BFLOAT16_expanded",
       "model declares input 'like' [3,4], data is [1]"},
  };
  return *broken;
}

// Compares `current` with the pinned list tests/conformance/pins/NAME.txt
// (one entry per line): every pinned entry must still be there. With
// QUANTC_PIN_UPDATE set to a folder, writes the list there instead.
void CheckPins(const std::string& name, std::vector<std::string> current) {
  std::sort(current.begin(), current.end());
  if (const char* update = std::getenv("QUANTC_PIN_UPDATE")) {
    std::ofstream out(absl::StrCat(update, "/", name, ".txt"));
    for (const std::string& c : current) out << c << "\n";
    std::printf("pins: wrote %zu entries to %s/%s.txt\n", current.size(), update, name.c_str());
    return;
  }
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const std::string path =
      absl::StrCat(srcdir ? srcdir : ".", "/quantc/tests/conformance/pins/", name, ".txt");
  std::ifstream in(path);
  ASSERT_TRUE(in.good()) << "pin file " << path << " is missing";
  std::set<std::string> now(current.begin(), current.end()), pinned;
  std::vector<std::string> left;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    pinned.insert(line);
    if (!now.count(line)) left.push_back(line);
  }
  int added = 0;
  for (const std::string& c : current) {
    if (!pinned.count(c)) {
      std::printf("NEW in %s (record with tests/conformance/update_pins.sh): %s\n", name.c_str(),
                  c.c_str());
      ++added;
    }
  }
  std::printf("pins %s: %zu pinned, %zu now, %zu left, %d new\n", name.c_str(), pinned.size(),
              current.size(), left.size(), added);
  EXPECT_TRUE(left.empty()) << left.size() << " pinned entries of " << name
                            << " left:\n  " << absl::StrJoin(left, "\n  ");
}

struct Tally {
  int passed = 0, failed = 0, unsupported = 0;
};

TEST(InterpreterConformance, OnnxTestData) {
  std::map<std::string, Tally> per_op;
  Tally total;
  int dirs_in_scope = 0, dirs_not_imported = 0, dirs_missing_kernel = 0;
  std::vector<std::string> failures, unsupported;
  std::map<std::string, int> import_errors, missing_ops;
  std::vector<std::string> broken, in_scope, passed;
  ASSERT_TRUE(Exists(absl::StrCat(kRoot, "/node")))
      << kRoot << "/node is missing: install libonnx-testdata (tools/setup.sh)";
  for (const char* suite : {"node", "pytorch-converted", "pytorch-operator"}) {
    const std::string suite_dir = absl::StrCat(kRoot, "/", suite);
    for (const std::string& test : ListDir(suite_dir)) {
      const std::string dir = absl::StrCat(suite_dir, "/", test);
      auto graph = ImportModelFile(dir + "/model.onnx");
      if (!graph.ok()) {
        ++dirs_not_imported;
        std::string why(graph.status().message());
        why = why.substr(why.find(": ") == std::string::npos ? 0 : why.find(": ") + 2);
        ++import_errors[why.substr(0, 70)];
        continue;
      }
      std::set<std::string> ops;
      bool supported = true;
      for (const Node* n : (*graph)->nodes()) {
        ops.insert(n->op_type());
        if (!HasKernel(n->op_type())) {
          supported = false;
          ++missing_ops[n->op_type()];
        }
      }
      if (!supported) {
        ++dirs_missing_kernel;
        continue;
      }
      if (auto it = BrokenTestData().find(test); it != BrokenTestData().end()) {
        broken.push_back(absl::StrCat(suite, "/", test, ": ", it->second));
        continue;
      }
      ++dirs_in_scope;
      in_scope.push_back(absl::StrCat(suite, "/", test));
      Interpreter interp(**graph);
      for (const std::string& set : ListDir(dir)) {
        if (set.rfind("test_data_set_", 0) != 0) continue;
        const std::string set_dir = absl::StrCat(dir, "/", set);
        const std::string label = absl::StrCat(suite, "/", test, "/", set);
        std::string error;
        // Inputs are listed by position; initializers that IR<4 models
        // also list as inputs are not graph inputs in quantc, so inputs are
        // matched by name when the files carry one.
        std::map<std::string, Tensor> by_name;
        std::vector<Tensor> positional;
        for (int k = 0;; ++k) {
          const std::string f = absl::StrCat(set_dir, "/input_", k, ".pb");
          if (!Exists(f)) break;
          std::string name;
          auto t = ReadTensorProtoFile(f, &name);
          if (!t.ok()) {
            error = std::string(t.status().message());
            break;
          }
          by_name[name] = *t;
          positional.push_back(*t);
        }
        std::vector<Tensor> inputs;
        const auto& gin = (*graph)->inputs();
        for (size_t i = 0; error.empty() && i < gin.size(); ++i) {
          auto it = by_name.find(gin[i]->name());
          const DType want = gin[i]->type().dtype;
          if (it != by_name.end()) {
            inputs.push_back(Retag(it->second, want));
          } else if (i < positional.size()) {
            inputs.push_back(Retag(positional[i], want));
          } else {
            error = absl::StrCat("no data for graph input '", gin[i]->name(), "'");
          }
        }
        bool is_unsupported = false;
        if (error.empty()) {
          auto outs = interp.Run(inputs);
          if (!outs.ok()) {
            is_unsupported = outs.status().code() == absl::StatusCode::kUnimplemented;
            error = std::string(outs.status().message());
          } else {
            for (size_t k = 0; error.empty() && k < outs->size(); ++k) {
              const std::string f = absl::StrCat(set_dir, "/output_", k, ".pb");
              if (!Exists(f)) break;
              auto want = ReadTensorProtoFile(f);
              if (!want.ok()) {
                error = std::string(want.status().message());
                break;
              }
              const Tensor expected = Retag(*want, (*outs)[k].dtype());
              std::string diff = Compare((*outs)[k], expected);
              if (!diff.empty() && WithinOneBf16Ulp((*outs)[k], expected)) diff.clear();
              if (!diff.empty()) error = absl::StrCat("output ", k, ": ", diff);
            }
          }
        }
        if (error.empty()) passed.push_back(label);
        auto count = [&](Tally& t) {
          if (error.empty()) {
            ++t.passed;
          } else if (is_unsupported) {
            ++t.unsupported;
          } else {
            ++t.failed;
          }
        };
        count(total);
        for (const std::string& op : ops) count(per_op[op]);
        if (!error.empty()) {
          (is_unsupported ? unsupported : failures).push_back(absl::StrCat(label, ": ", error));
        }
      }
    }
  }
  std::printf("%-24s %8s %8s %12s\n", "op", "passed", "total", "unsupported");
  for (const auto& [op, t] : per_op) {
    std::printf("%-24s %8d %8d %12d\n", op.c_str(), t.passed, t.passed + t.failed + t.unsupported,
                t.unsupported);
  }
  std::printf("\nmodels: %d in scope; rejected cleanly: %d not importable, %d with ops lacking "
              "kernels\n",
              dirs_in_scope, dirs_not_imported, dirs_missing_kernel);
  std::printf("ops without kernels (models using them):");
  for (const auto& [op, n] : missing_ops) std::printf(" %s(%d)", op.c_str(), n);
  std::printf("\nimport errors:\n");
  for (const auto& [why, n] : import_errors) std::printf("  %4d  %s\n", n, why.c_str());
  std::printf("overall: %d/%d passed, %d failed, %d unsupported\n", total.passed,
              total.passed + total.failed + total.unsupported, total.failed, total.unsupported);
  for (const std::string& b : broken) std::printf("SKIPPED (broken test data) %s\n", b.c_str());
  for (const std::string& u : unsupported) std::printf("UNSUPPORTED %s\n", u.c_str());
  for (const std::string& f : failures) std::printf("FAILED %s\n", f.c_str());
  EXPECT_TRUE(failures.empty()) << failures.size() << " conformance cases failed";
  CheckPins("interpreter_in_scope", in_scope);
  CheckPins("interpreter_passed", passed);
}

}  // namespace
}  // namespace quantc
