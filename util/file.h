// Whole-file reads and atomic writes without pulling in protobuf, for tools
// and libraries (npy I/O, test helpers) that only move bytes around.
#ifndef QUANTC_UTIL_FILE_H_
#define QUANTC_UTIL_FILE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace quantc {

/// The most ReadFile reads unless told otherwise: 2 GiB, protobuf's limit
/// for a model.
inline constexpr int64_t kMaxReadBytes = int64_t{2} << 30;

/// Returns the whole file (pipes included). NotFound if it cannot be
/// opened, DataLoss if the read fails part-way, InvalidArgument if it holds
/// more than `max_bytes` (so /dev/zero cannot exhaust memory); messages
/// start with `path`.
absl::StatusOr<std::string> ReadFile(const std::string& path, int64_t max_bytes = kMaxReadBytes);

/// `length` bytes at `offset` of a regular file (never a FIFO, device or
/// directory, which could block or never end), or up to its end when
/// `length` is -1. InvalidArgument unless the range lies inside the file.
absl::StatusOr<std::string> ReadFileRange(const std::string& path, int64_t offset,
                                          int64_t length);

/// The canonical absolute form of `path`, symlinks resolved (realpath(3));
/// NotFound if it does not exist.
absl::StatusOr<std::string> RealPath(const std::string& path);

/// Whether `path` is `dir` or lies below it; both must be canonical
/// (RealPath), so the test is on real locations, not on spelling.
bool IsWithin(absl::string_view path, absl::string_view dir);

/// Writes `bytes` to a temporary file next to `path` and renames it over
/// `path`, so readers never see a partial file and a failure leaves any old
/// file untouched. Messages start with `path`.
absl::Status WriteFileAtomically(const std::string& path, absl::string_view bytes);

}  // namespace quantc

#endif  // QUANTC_UTIL_FILE_H_
