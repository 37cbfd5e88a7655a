// Shared by the fuzz targets: a smaller tensor cap (fuzzing wants many fast
// runs, and libFuzzer counts a 2 GB allocation as a crash), and the two
// properties every target asserts about quantc's errors.
#ifndef QUANTC_FUZZ_FUZZ_SUPPORT_H_
#define QUANTC_FUZZ_FUZZ_SUPPORT_H_

#include "absl/status/status.h"

namespace quantc::fuzz {

/// Once per process: caps tensors at 16 MiB (instead of 1 GiB) and a node's
/// work at 2^26 steps (instead of 2^36).
void Init();

/// Aborts (a fuzz finding) if `st` is not OK: `what` must always succeed.
void RequireOk(const absl::Status& st, const char* what);

/// Aborts if `st` is an Internal or Unknown error: bad input must be
/// reported as InvalidArgument, Unimplemented or another input-class code,
/// never as a quantc bug.
void RequireClean(const absl::Status& st, const char* what);

}  // namespace quantc::fuzz

#endif  // QUANTC_FUZZ_FUZZ_SUPPORT_H_
