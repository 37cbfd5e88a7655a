// C code generation for an integer program and its memory plan.
//
// Files (PREFIX from EmitOptions):
//   PREFIX.h           API: PREFIX_run, sizes, I/O quantization, arena size
//   PREFIX.c           the network: one static const descriptor per op and
//                      PREFIX_run as straight-line kernel calls on the arena
//   PREFIX_weights.c   const arrays (weights, biases, multipliers, tables)
//   quantc_kernels.h/c only the kernels (and requantization kinds) used,
//                      copied from backends/c/kernels/
// All output is C99, deterministic text (same program, same bytes).
#ifndef QUANTC_BACKENDS_C_EMIT_H_
#define QUANTC_BACKENDS_C_EMIT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/c/memory_plan.h"
#include "backends/c/program.h"

namespace quantc::cbackend {

struct EmitOptions {
  std::string prefix = "model";       ///< a C identifier
  bool float_io = false;              ///< also emit PREFIX_run_float and helpers
  std::string source = "model.onnx";  ///< named in the banners
};

struct GeneratedFile {
  std::string name;
  std::string text;
};

struct EmitResult {
  std::vector<GeneratedFile> files;
  int64_t weight_bytes = 0;          ///< bytes of const data in PREFIX_weights.c
  std::vector<std::string> kernels;  ///< kernel source files used
};

/// Whether `s` is a C identifier ([A-Za-z_][A-Za-z0-9_]*).
bool IsCIdentifier(const std::string& s);

absl::StatusOr<EmitResult> EmitC(const IntProgram& p, const MemoryPlan& plan,
                                 const EmitOptions& options);

}  // namespace quantc::cbackend

#endif  // QUANTC_BACKENDS_C_EMIT_H_
