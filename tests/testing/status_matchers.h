// gMock matchers for absl::Status and StatusOr (Abseil 20220623 has none).
#ifndef REGISTRY_TESTS_TESTING_STATUS_MATCHERS_H_
#define REGISTRY_TESTS_TESTING_STATUS_MATCHERS_H_

#include <ostream>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

namespace registry::testing {

inline const absl::Status& GetStatus(const absl::Status& status) {
  return status;
}
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& status = GetStatus(arg);
  *result_listener << status;
  return status.ok();
}

MATCHER_P(StatusIs, code, "has status code " + absl::StatusCodeToString(code)) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << status;
  return status.code() == code;
}

}  // namespace registry::testing

#define ASSERT_OK(expr) ASSERT_THAT(expr, ::registry::testing::IsOk())
#define EXPECT_OK(expr) EXPECT_THAT(expr, ::registry::testing::IsOk())

#endif  // REGISTRY_TESTS_TESTING_STATUS_MATCHERS_H_
