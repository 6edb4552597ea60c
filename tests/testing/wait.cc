#include "tests/testing/wait.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace registry::testing {

absl::Status WaitFor(const std::function<bool()>& condition,
                     absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "condition still false after ", absl::FormatDuration(timeout)));
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
  return absl::OkStatus();
}

}  // namespace registry::testing
