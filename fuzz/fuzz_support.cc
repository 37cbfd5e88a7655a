#include "fuzz/fuzz_support.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "ir/kernels/kernel.h"
#include "ir/tensor.h"

namespace quantc::fuzz {

void Init() {
  static const bool done = [] {
    SetMaxTensorBytes(int64_t{16} << 20);
    // 2^26 steps: a fraction of a second even under the sanitizers, so a
    // slow unit is a real hang, not a legitimately big node.
    kernels::SetMaxWorkPerNode(int64_t{1} << 26);
    return true;
  }();
  (void)done;
}

void RequireOk(const absl::Status& st, const char* what) {
  if (st.ok()) return;
  std::fprintf(stderr, "fuzz property violated: %s failed: %s\n", what,
               std::string(st.message()).c_str());
  std::abort();
}

void RequireClean(const absl::Status& st, const char* what) {
  if (st.code() != absl::StatusCode::kInternal && st.code() != absl::StatusCode::kUnknown) return;
  std::fprintf(stderr, "fuzz property violated: %s returned an internal error: %s\n", what,
               std::string(st.message()).c_str());
  std::abort();
}

}  // namespace quantc::fuzz
