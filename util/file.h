// Whole-file reads and atomic writes without pulling in protobuf, for tools
// and libraries (npy I/O, test helpers) that only move bytes around.
#ifndef QUANTC_UTIL_FILE_H_
#define QUANTC_UTIL_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace quantc {

/// Returns the whole file. NotFound if it cannot be opened, DataLoss if the
/// read fails part-way; messages start with `path`.
absl::StatusOr<std::string> ReadFile(const std::string& path);

/// Writes `bytes` to a temporary file next to `path` and renames it over
/// `path`, so readers never see a partial file and a failure leaves any old
/// file untouched. Messages start with `path`.
absl::Status WriteFileAtomically(const std::string& path, absl::string_view bytes);

}  // namespace quantc

#endif  // QUANTC_UTIL_FILE_H_
