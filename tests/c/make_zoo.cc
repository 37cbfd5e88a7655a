// Writes small float models that exercise the C backend's kernels beyond
// what the fixtures reach (depthwise, grouped, strided and dilated convs,
// 1-D convs, average pools with padding, MatMul, broadcasting Add, Mul,
// Concat, Reshape, Sigmoid/Tanh tables, Softmax), with random weights and
// data:
//
//   make_zoo OUT_DIR    -> OUT_DIR/<model>/{model.onnx, calib.npy, test_x.npy}
//
// Each model is ONNX text (the structure below) plus initializers filled
// from a fixed-seed generator, so a run is reproducible.
#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ir/npy.h"
#include "ir/onnx_export.h"
#include "ir/onnx_import.h"

namespace quantc {
namespace {

struct Param {
  std::string name;
  std::vector<int64_t> dims;
  int fan_in;  // weights ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)); 0: fixed values below
  std::vector<float> fixed;
};

struct ZooModel {
  std::string name;
  std::string signature;  // "(float[...] x) => (float[...] y)"
  std::vector<int64_t> input_dims;
  std::vector<Param> params;
  std::string body;
};

const std::vector<ZooModel>& Models() {
  static const std::vector<ZooModel> kModels = {
      {"conv2d_variants",
       "(float[1,4,12,12] x) => (float[1,6] y)",
       {1, 4, 12, 12},
       {{"wd", {4, 1, 3, 3}, 9, {}},
        {"bd", {4}, 9, {}},
        {"wg", {8, 2, 3, 3}, 18, {}},
        {"bg", {8}, 18, {}},
        {"wp", {4, 8, 1, 1}, 8, {}},
        {"bp", {4}, 8, {}},
        {"wf", {6, 36}, 36, {}},
        {"bf", {6}, 36, {}},
        {"lo", {}, 0, {0.0f}},
        {"hi", {}, 0, {6.0f}}},
       R"(
  d = Conv <group = 4, kernel_shape = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1]> (x, wd, bd)
  r = Relu (d)
  g = Conv <group = 2, kernel_shape = [3, 3], dilations = [2, 2], pads = [2, 2, 2, 2]> (r, wg, bg)
  c = Clip (g, lo, hi)
  a = AveragePool <kernel_shape = [3, 3], pads = [1, 1, 1, 1], count_include_pad = 1> (c)
  p = Conv (a, wp, bp)
  m = MaxPool <kernel_shape = [2, 2], strides = [2, 2]> (p)
  f = Flatten (m)
  y = Gemm <transB = 1> (f, wf, bf)
)"},
      {"conv1d_concat_mul",
       "(float[1,3,20] x) => (float[1,5] y)",
       {1, 3, 20},
       {{"w1", {6, 3, 5}, 15, {}},
        {"b1", {6}, 15, {}},
        {"w2", {6, 3, 3}, 9, {}},
        {"b2", {6}, 9, {}},
        {"w3", {12, 12, 1}, 12, {}},
        {"b3", {12}, 12, {}},
        {"w4", {12, 12, 3}, 36, {}},
        {"b4", {12}, 36, {}},
        {"wf", {12, 5}, 12, {}}},
       R"(
  a = Conv <kernel_shape = [5], strides = [2], pads = [2, 2]> (x, w1, b1)
  ar = Relu (a)
  b = Conv <kernel_shape = [3], strides = [2], dilations = [2], pads = [2, 2]> (x, w2, b2)
  c = Concat <axis = 1> (ar, b)
  d = Conv (c, w3, b3)
  e = Mul (d, c)
  f = Conv <kernel_shape = [3], pads = [1, 1]> (e, w4, b4)
  g = Add (f, e)
  h = Relu (g)
  p = MaxPool <kernel_shape = [2], strides = [2]> (h)
  q = GlobalAveragePool (p)
  r = Flatten (q)
  y = MatMul (r, wf)
)"},
      {"heads_tables_softmax",
       "(float[1,16] x) => (float[1,10] y)",
       {1, 16},
       {{"w1", {24, 16}, 16, {}},
        {"b1", {24}, 16, {}},
        {"shape", {3}, 0, {1, 6, 8}},
        {"w2", {8, 5}, 8, {}},
        {"cb", {5}, 8, {}},
        {"w3", {10, 30}, 30, {}},
        {"b3", {10}, 30, {}}},
       R"(
  h = Gemm <transB = 1> (x, w1, b1)
  s = Sigmoid (h)
  t = Tanh (h)
  m = Mul (s, t)
  c = Concat <axis = 1> (m, h)
  r = Reshape (c, shape64)
  q = MatMul (r, w2)
  a = Add (q, cb)
  f = Flatten (a)
  z = Gemm <transB = 1> (f, w3, b3)
  y = Softmax (z)
)"},
      {"avgpool_excluding_pads",
       "(float[1,3,7,7] x) => (float[1,3,4,4] y)",
       {1, 3, 7, 7},
       {{"w", {3, 3, 3, 3}, 27, {}}, {"b", {3}, 27, {}}},
       R"(
  c = Conv <kernel_shape = [3, 3], pads = [1, 1, 1, 1]> (x, w, b)
  y = AveragePool <kernel_shape = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1]> (c)
)"},
  };
  return kModels;
}

std::string ModelText(const ZooModel& m, std::mt19937& rng) {
  std::vector<std::string> inits;
  for (const Param& p : m.params) {
    int64_t n = 1;
    for (int64_t d : p.dims) n *= d;
    std::vector<std::string> v;
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (int64_t i = 0; i < n; ++i) {
      v.push_back(p.fan_in ? absl::StrCat(u(rng) / std::sqrt(static_cast<float>(p.fan_in)))
                           : absl::StrCat(p.fixed[i]));
    }
    const bool shape = p.name == "shape";
    // A scalar is written without brackets.
    const std::string dims =
        p.dims.empty() ? "" : absl::StrCat("[", absl::StrJoin(p.dims, ","), "]");
    inits.push_back(absl::StrCat(shape ? "int64" : "float", dims, " ", shape ? "shape64" : p.name,
                                 " = {", absl::StrJoin(v, ", "), "}"));
  }
  return absl::StrCat("<ir_version: 8, opset_import: [\"\" : 13]>\n", m.name, " ", m.signature,
                      "\n<", absl::StrJoin(inits, ", "), ">\n{", m.body, "}\n");
}

Tensor Samples(const std::vector<int64_t>& dims, int n, std::mt19937& rng) {
  std::vector<int64_t> d = dims;
  d[0] = n;
  Tensor t(DType::kFloat32, d);
  std::normal_distribution<float> g(0.0f, 1.0f);
  for (int64_t i = 0; i < t.num_elements(); ++i) t.mutable_data<float>()[i] = g(rng);
  return t;
}

int Main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_zoo OUT_DIR\n");
    return 2;
  }
  const std::string out = argv[1];
  std::mt19937 rng(13);
  for (const ZooModel& m : Models()) {
    const std::string dir = absl::StrCat(out, "/", m.name);
    mkdir(out.c_str(), 0777);
    mkdir(dir.c_str(), 0777);
    auto g = ImportModelText(ModelText(m, rng));
    absl::Status st = g.ok() ? ExportModelFile(**g, dir + "/model.onnx") : g.status();
    if (st.ok()) st = WriteNpyFile(dir + "/calib.npy", Samples(m.input_dims, 64, rng));
    if (st.ok()) st = WriteNpyFile(dir + "/test_x.npy", Samples(m.input_dims, 64, rng));
    if (!st.ok()) {
      std::fprintf(stderr, "make_zoo: %s: %s\n", m.name.c_str(), std::string(st.message()).c_str());
      return 1;
    }
    std::printf("%s\n", m.name.c_str());
  }
  return 0;
}

}  // namespace
}  // namespace quantc

int main(int argc, char** argv) { return quantc::Main(argc, argv); }
