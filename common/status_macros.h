// Early-return helpers for absl::Status and absl::StatusOr. Abseil 20220623
// has no status_macros.h; a newer Abseil means editing only this file.
#ifndef REGISTRY_COMMON_STATUS_MACROS_H_
#define REGISTRY_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Returns the status of `expr` from the enclosing function when not OK.
#define RETURN_IF_ERROR(expr)              \
  do {                                     \
    ::absl::Status status_macro_ = (expr); \
    if (!status_macro_.ok()) {             \
      return status_macro_;                \
    }                                      \
  } while (0)

#define STATUS_MACROS_CONCAT_INNER_(a, b) a##b
#define STATUS_MACROS_CONCAT_(a, b) STATUS_MACROS_CONCAT_INNER_(a, b)

// Evaluates `expr` (a StatusOr); returns its status when not OK, otherwise
// moves its value into `lhs` (which may be a declaration).
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(STATUS_MACROS_CONCAT_(status_or_, __LINE__), lhs, expr)

#define ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                           \
  if (!tmp.ok()) {                             \
    return tmp.status();                       \
  }                                            \
  lhs = std::move(*tmp)

#endif  // REGISTRY_COMMON_STATUS_MACROS_H_
