// The S3 driver's locks: a lease object at the lock's key holding
// "<token> <expiry in Unix seconds>". It is taken with a create-only PUT
// (If-None-Match: *), or, once expired or released, with a compare-and-swap
// PUT (If-Match: the ETag read). A thread of the holder's renews it the same
// way every third of the lease, so a live holder keeps it through long
// operations; Check() renews too when the renewer is late. A holder that
// dies releases it when its lease expires; a holder stalled past its lease
// loses it (Check answers Aborted). Lease times are compared on each replica's
// clock, so replicas' clocks must agree to well within the lease (NTP does).
#ifndef REGISTRY_DRIVERS_S3_S3_LOCK_H_
#define REGISTRY_DRIVERS_S3_S3_LOCK_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "drivers/driver.h"
#include "drivers/s3/object_store.h"

namespace registry::drivers::s3 {

// How long a lease lasts without renewal.
// How long a lease lasts without renewal: a dead holder blocks others this
// long at most (less than the 20 s storaged waits for an upload's lock).
inline constexpr absl::Duration kLeaseTime = absl::Seconds(15);

// Takes the lock at `key` (directory prefix `dir_prefix`, which must hold
// another object), waiting up to `wait`. `path` names it in messages.
// Errors as StorageDriver::Lock.
absl::StatusOr<PathLockPtr> LockObject(ObjectStore& store, std::string key,
                                       const std::string& dir_prefix,
                                       absl::string_view path,
                                       absl::Duration wait);

}  // namespace registry::drivers::s3

#endif  // REGISTRY_DRIVERS_S3_S3_LOCK_H_
