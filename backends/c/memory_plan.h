// Static memory plan of an integer program: every activation gets an offset
// in one arena, sized at compile time.
//
//   1. Buffers: one per storage tensor (views share their source's bytes).
//      The program input is read in place from the caller's input buffer
//      and the output is written straight into the caller's output buffer;
//      constants live in flash. Everything else is an arena buffer.
//   2. Lifetimes from the op order: a buffer lives from the op that writes
//      it to the last op that reads it (or any of its views).
//   3. In place: an elementwise op (Add, Mul, Requantize, table) writes into
//      an input buffer of the same size whose last reader it is, when that
//      input is not broadcast and no other input reads the same bytes
//      broadcast. The two buffers merge.
//   4. Placement: best-fit offsets. Buffers are placed one at a time, each
//      in the smallest gap (among buffers alive at the same time) that
//      holds it, or on top; a few orders are tried (size, start, lifetime)
//      and the smallest arena wins.
//   5. Lower bound: the largest total size of buffers alive at one op. No
//      placement can use less; equality means the arena is optimal.
//
// Sizes and offsets are multiples of `align` bytes.
#ifndef QUANTC_BACKENDS_C_MEMORY_PLAN_H_
#define QUANTC_BACKENDS_C_MEMORY_PLAN_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/c/program.h"

namespace quantc::cbackend {

enum class Home { kArena, kInput, kOutput, kConstant };

struct Buffer {
  int tensor = -1;  ///< the storage tensor that names it
  Home home = Home::kArena;
  int64_t size = 0;         ///< bytes, a multiple of the alignment
  int64_t offset = 0;       ///< in the arena (kArena only)
  int first = 0, last = 0;  ///< ops that write it first and read it last
};

struct MemoryPlan {
  std::vector<Buffer> buffers;
  std::vector<int> buffer_of;  ///< per tensor (views and storage): buffer index
  int64_t arena_bytes = 0;
  int64_t lower_bound_bytes = 0;
  int64_t align = 1;
  int in_place_ops = 0;
  /// The op order used for placement that gave the smallest arena.
  const char* placement_order = "";

  const Buffer& BufferOf(int tensor) const { return buffers[buffer_of[tensor]]; }
};

/// Plans `p`'s activations. `align` must be a power of two in [1, 64].
absl::StatusOr<MemoryPlan> PlanMemory(const IntProgram& p, int64_t align);

}  // namespace quantc::cbackend

#endif  // QUANTC_BACKENDS_C_MEMORY_PLAN_H_
