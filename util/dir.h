// Writing a folder of generated files all at once: readers see the old
// folder or the complete new one, and a failure leaves no partial folder.
#ifndef QUANTC_UTIL_DIR_H_
#define QUANTC_UTIL_DIR_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace quantc {

/// Writes `files` ({name, bytes}; plain names, no '/') as the folder `dir`.
/// Everything is written to a fresh temporary folder next to `dir` first,
/// which then replaces `dir` by one rename (or one atomic exchange when
/// `dir` exists). An existing `dir` may only hold names from `files` (it is
/// replaced whole, so nothing else may be lost); anything else is
/// FailedPrecondition. Errors name `dir`; the temporary folder is removed.
absl::Status WriteDirectoryAtomically(
    const std::string& dir, const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace quantc

#endif  // QUANTC_UTIL_DIR_H_
