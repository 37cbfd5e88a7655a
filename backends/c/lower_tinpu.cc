#include "backends/c/lower.h"

namespace quantc::cbackend {

absl::StatusOr<IntProgram> LowerTinpu(const Graph& g) {
  (void)g;
  return absl::UnimplementedError("TINPU lowering: not yet");
}

}  // namespace quantc::cbackend
