// gMock matcher for the registry reason a status (or StatusOr) carries.
#ifndef REGISTRY_TESTS_TESTING_REASON_MATCHERS_H_
#define REGISTRY_TESTS_TESTING_REASON_MATCHERS_H_

#include "common/errors.h"
#include "gmock/gmock.h"
#include "tests/testing/status_matchers.h"

namespace registry::testing {

// EXPECT_THAT(call(), HasReason(v1::BLOB_UNKNOWN)).
MATCHER_P(HasReason, reason, v1::Reason_Name(reason)) {
  *result_listener << GetStatus(arg);
  return ReasonOf(GetStatus(arg)) == reason;
}

}  // namespace registry::testing

#endif  // REGISTRY_TESTS_TESTING_REASON_MATCHERS_H_
