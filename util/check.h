// QC_CHECK: aborts on a programmer bug (never on bad input, which gets an
// absl::Status). Debian's Abseil 20220623 ships no absl/log, hence this.
#ifndef QUANTC_UTIL_CHECK_H_
#define QUANTC_UTIL_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define QC_CHECK(cond)                                                   \
  do {                                                                   \
    if (!(cond)) {                                                       \
      std::fprintf(stderr, "%s:%d: internal error: check failed: %s\n", \
                   __FILE__, __LINE__, #cond);                           \
      std::abort();                                                      \
    }                                                                    \
  } while (0)

#endif  // QUANTC_UTIL_CHECK_H_
