// libFuzzer target: ONNX model bytes -> import -> verify -> print, stats ->
// export -> import again.
//
// Properties checked (a violation aborts, which libFuzzer reports as a
// crash): import either fails with an error that is not Internal, or gives
// a graph the verifier accepts; a graph quantc accepted can be printed,
// summarized and exported, and quantc accepts its own export again. The
// sanitizers (ASan, UBSan) catch everything else: bad reads, overflows,
// undefined conversions.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzz/fuzz_support.h"
#include "ir/onnx_export.h"
#include "ir/onnx_import.h"
#include "ir/printer.h"
#include "ir/stats.h"
#include "ir/verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace quantc;
  fuzz::Init();
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  auto graph = ImportModelBytes(bytes, "", "fuzz.onnx");
  if (!graph.ok()) {
    fuzz::RequireClean(graph.status(), "import");
    return 0;
  }
  fuzz::RequireOk(VerifyGraph(**graph), "verify after import");
  const std::string text = PrintGraph(**graph);
  ComputeStats(**graph);
  auto exported = ExportModelBytes(**graph);
  fuzz::RequireOk(exported.status(), "export");
  auto again = ImportModelBytes(*exported, "", "fuzz_export.onnx");
  fuzz::RequireOk(again.status(), "import of quantc's own export");
  return 0;
}
