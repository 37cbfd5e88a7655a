#include "passes/diagnostic.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace quantc {

std::string Diagnostic::ToString() const {
  std::string out = absl::StrCat(subject, ": ", message);
  if (cost_db) {
    // Costs below the print resolution read as 0.0, never as "-0.0".
    double c = *cost_db < 0.05 && *cost_db > -0.05 ? 0.0 : *cost_db;
    absl::StrAppend(&out, absl::StrFormat("; costs %.1f dB of output SQNR", c));
  }
  return out;
}

}  // namespace quantc
