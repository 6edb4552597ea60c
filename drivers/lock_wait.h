// Waiting for a lock held elsewhere: exponential backoff from 1 ms to 50 ms,
// never past a deadline. Used by drivers whose locks can only be polled.
#ifndef REGISTRY_DRIVERS_LOCK_WAIT_H_
#define REGISTRY_DRIVERS_LOCK_WAIT_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace registry::drivers {

class LockWait {
 public:
  explicit LockWait(absl::Duration wait);
  // Sleeps before the next attempt. False (without sleeping) once the
  // deadline has passed.
  bool Next();
  // Aborted: the lock at `path` stayed held by another holder.
  absl::Status Busy(absl::string_view driver, absl::string_view path) const;

 private:
  const absl::Time deadline_;
  const absl::Duration wait_;
  absl::Duration step_ = absl::Milliseconds(1);
};

}  // namespace registry::drivers

#endif  // REGISTRY_DRIVERS_LOCK_WAIT_H_
