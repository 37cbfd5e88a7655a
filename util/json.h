// The one JSON string quoter behind quantc's machine-readable outputs
// (inspect --format=json, --report files, the NPU eligibility report).
#ifndef QUANTC_UTIL_JSON_H_
#define QUANTC_UTIL_JSON_H_

#include <string>

#include "absl/strings/string_view.h"

namespace quantc {

/// `s` as a JSON string literal, quotes included: '"' and '\' escaped,
/// \n \t \r as such, other control characters as \u00XX; other bytes (UTF-8)
/// pass through.
std::string JsonString(absl::string_view s);

}  // namespace quantc

#endif  // QUANTC_UTIL_JSON_H_
