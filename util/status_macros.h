// Status propagation macros. The Abseil release packaged by Debian 12
// (20220623) has no status macros of its own, so quantc defines the two it
// needs once, here.
#ifndef QUANTC_UTIL_STATUS_MACROS_H_
#define QUANTC_UTIL_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define QC_STATUS_CONCAT_INNER_(a, b) a##b
#define QC_STATUS_CONCAT_(a, b) QC_STATUS_CONCAT_INNER_(a, b)

/// Returns from the enclosing function if `expr` yields a non-OK Status.
#define QC_RETURN_IF_ERROR(expr)              \
  do {                                        \
    ::absl::Status qc_status_ = (expr);       \
    if (!qc_status_.ok()) return qc_status_;  \
  } while (0)

/// `QC_ASSIGN_OR_RETURN(auto x, F())` binds the value of a StatusOr or
/// returns its error from the enclosing function.
#define QC_ASSIGN_OR_RETURN(lhs, expr) \
  QC_ASSIGN_OR_RETURN_IMPL_(QC_STATUS_CONCAT_(qc_statusor_, __LINE__), lhs, expr)

#define QC_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()

#endif  // QUANTC_UTIL_STATUS_MACROS_H_
