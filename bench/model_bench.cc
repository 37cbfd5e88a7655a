// Google Benchmark of Interpreter::Run, one benchmark per model file.
//
//   model_bench [--models=A.onnx,B.onnx,...] [benchmark flags]
//
// Without --models it runs the test fixtures (tests/fixtures/*/model.onnx,
// found through the runfiles of `bazel run`). Inputs are fixed-seed random
// floats shaped like the graph inputs (symbolic dims become 1), so a
// benchmark measures one sample's latency on the calling thread — the
// number calibration cares about. bench/compare_ort.sh puts these next to
// ONNX Runtime's single-threaded latency for the same files.
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "benchmark/benchmark.h"
#include "ir/interpreter.h"
#include "ir/onnx_import.h"

namespace quantc {
namespace {

std::vector<Tensor> RandomInputs(const Graph& g) {
  std::vector<Tensor> inputs;
  uint32_t s = 12345;
  for (const Value* v : g.inputs()) {
    std::vector<int64_t> dims;
    if (v->type().shape) {
      for (const Dim& d : *v->type().shape) dims.push_back(d.known() ? d.value : 1);
    }
    Tensor t(DType::kFloat32, dims);
    float* p = t.mutable_data<float>();
    for (int64_t i = 0; i < t.num_elements(); ++i) {
      s = s * 1664525u + 1013904223u;
      p[i] = static_cast<float>(s >> 8) / 8388608.0f - 1.0f;
    }
    inputs.push_back(std::move(t));
  }
  return inputs;
}

void RunModel(benchmark::State& state, std::shared_ptr<Graph> graph) {
  Interpreter interp(*graph);
  const std::vector<Tensor> inputs = RandomInputs(*graph);
  for (auto _ : state) {
    auto out = interp.Run(inputs);
    if (!out.ok()) {
      state.SkipWithError(std::string(out.status().message()).c_str());
      break;
    }
    benchmark::DoNotOptimize(out->data());
  }
}

std::string Stem(const std::string& path) {
  std::string name = path;
  const size_t slash = name.find_last_of('/');
  if (slash != std::string::npos) name = name.substr(slash + 1);
  if (name == "model.onnx" && slash != std::string::npos) {
    // tests/fixtures/<name>/model.onnx -> <name>
    std::string dir = path.substr(0, slash);
    return dir.substr(dir.find_last_of('/') + 1);
  }
  const size_t dot = name.rfind(".onnx");
  return dot == std::string::npos ? name : name.substr(0, dot);
}

}  // namespace
}  // namespace quantc

int main(int argc, char** argv) {
  std::vector<std::string> models;
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--models=", 9) == 0) {
      for (absl::string_view m : absl::StrSplit(argv[i] + 9, ',', absl::SkipEmpty())) {
        models.emplace_back(m);
      }
    } else {
      rest.push_back(argv[i]);
    }
  }
  if (models.empty()) {
    for (const char* f : {"digits_cnn", "digits_cnn1d", "digits_resnet", "wine_mlp"}) {
      models.push_back(std::string("tests/fixtures/") + f + "/model.onnx");
    }
  }
  for (const std::string& path : models) {
    auto g = quantc::ImportModelFile(path);
    if (!g.ok()) {
      std::fprintf(stderr, "model_bench: %s\n", std::string(g.status().message()).c_str());
      return 1;
    }
    std::shared_ptr<quantc::Graph> graph(std::move(*g));
    benchmark::RegisterBenchmark(quantc::Stem(path).c_str(), quantc::RunModel, graph)
        ->Unit(benchmark::kMicrosecond);
  }
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
