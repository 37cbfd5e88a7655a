// `quantc compile` as a library: quantized ONNX graph -> integer program ->
// memory plan -> C files, plus the JSON report.
#ifndef QUANTC_BACKENDS_C_COMPILE_H_
#define QUANTC_BACKENDS_C_COMPILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "backends/c/emit.h"
#include "backends/c/memory_plan.h"
#include "backends/c/program.h"
#include "ir/graph.h"

namespace quantc::cbackend {

struct CompileOptions {
  EmitOptions emit;
  int64_t arena_align = 4;
};

struct CompileResult {
  IntProgram program;
  MemoryPlan plan;
  EmitResult emitted;
};

absl::StatusOr<CompileResult> Compile(const Graph& g, const CompileOptions& options);

/// The --report JSON: I/O, arena vs lower bound, weight bytes, files and
/// every tensor's placement.
std::string CompileReportJson(const CompileResult& r, const CompileOptions& options);

}  // namespace quantc::cbackend

#endif  // QUANTC_BACKENDS_C_COMPILE_H_
