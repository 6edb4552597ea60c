// Waiting for a condition in tests: tests wait for what they assert, never
// for a fixed time.
#ifndef REGISTRY_TESTS_TESTING_WAIT_H_
#define REGISTRY_TESTS_TESTING_WAIT_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace registry::testing {

// Polls `condition` (every 5 ms) until it holds: OK, or DeadlineExceeded
// once `timeout` has passed.
absl::Status WaitFor(const std::function<bool()>& condition,
                     absl::Duration timeout);

}  // namespace registry::testing

#endif  // REGISTRY_TESTS_TESTING_WAIT_H_
