// libFuzzer target: ONNX model bytes -> import -> run once.
//
// Where run_fuzzer fuzzes the *data* of fixed models, this target fuzzes
// the models themselves -- attributes (pads, strides, kernel shapes, axes,
// blocksize, `to` types), initializers and structure -- and evaluates them
// on zero-filled inputs shaped like the graph inputs (unknown dims become
// 1; inputs over 4096 elements are skipped to keep runs fast). The
// constant folder and calibration evaluate untrusted models the same way.
//
// Property: import and the run each succeed or fail with an error that is
// not Internal.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "ir/interpreter.h"
#include "ir/onnx_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace quantc;
  fuzz::Init();
  auto graph = ImportModelBytes(std::string(reinterpret_cast<const char*>(data), size), "",
                                "fuzz.onnx");
  if (!graph.ok()) {
    fuzz::RequireClean(graph.status(), "import");
    return 0;
  }
  std::vector<Tensor> inputs;
  for (const Value* v : (*graph)->inputs()) {
    std::vector<int64_t> dims;
    if (v->type().shape) {
      for (const Dim& d : *v->type().shape) dims.push_back(d.known() ? d.value : 1);
    }
    auto t = Tensor::Create(v->type().dtype, dims);
    if (!t.ok() || t->num_elements() > 4096) return 0;
    inputs.push_back(*std::move(t));
  }
  Interpreter interp(**graph);
  auto outs = interp.Run(inputs);
  if (!outs.ok()) fuzz::RequireClean(outs.status(), "run");
  return 0;
}
