// The S3 driver's locks: a lease object at the lock's key holding
// "<token> <expiry in Unix seconds>". It is taken with a create-only PUT
// (If-None-Match: *), or, once expired or released, with a compare-and-swap
// PUT (If-Match: the ETag read); the holder renews it the same way from
// Check() when a third of the lease is left. A holder that dies releases it
// when its lease expires; a holder paused past its lease loses it (Check
// answers Aborted). Lease times are compared on each replica's clock, so
// replicas' clocks must agree to well within the lease (NTP does).
#ifndef REGISTRY_DRIVERS_S3_S3_LOCK_H_
#define REGISTRY_DRIVERS_S3_S3_LOCK_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "drivers/driver.h"
#include "drivers/s3/object_store.h"

namespace registry::drivers::s3 {

// How long a lease lasts without renewal.
inline constexpr absl::Duration kLeaseTime = absl::Seconds(30);

// Takes the lock at `key` (directory prefix `dir_prefix`, which must hold
// another object), waiting up to `wait`. `path` names it in messages.
// Errors as StorageDriver::Lock.
absl::StatusOr<PathLockPtr> LockObject(ObjectStore& store, std::string key,
                                       const std::string& dir_prefix,
                                       absl::string_view path,
                                       absl::Duration wait);

}  // namespace registry::drivers::s3

#endif  // REGISTRY_DRIVERS_S3_S3_LOCK_H_
