#include "drivers/lock_wait.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace registry::drivers {

LockWait::LockWait(absl::Duration wait)
    : deadline_(absl::Now() + wait), wait_(wait) {}

bool LockWait::Next() {
  absl::Time now = absl::Now();
  if (now >= deadline_) return false;
  absl::SleepFor(std::min(step_, deadline_ - now));
  step_ = std::min(step_ * 2, absl::Milliseconds(50));
  return true;
}

absl::Status LockWait::Busy(absl::string_view driver,
                            absl::string_view path) const {
  return absl::AbortedError(absl::StrCat(driver, ": lock ", path,
                                         " still held by another holder after ",
                                         absl::FormatDuration(wait_)));
}

}  // namespace registry::drivers
