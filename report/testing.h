// Helpers for the report tests.
#ifndef QUANTC_REPORT_TESTING_H_
#define QUANTC_REPORT_TESTING_H_

#include <string>

namespace quantc::report {

/// How often `what` occurs in `text`.
inline int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

}  // namespace quantc::report

#endif  // QUANTC_REPORT_TESTING_H_
