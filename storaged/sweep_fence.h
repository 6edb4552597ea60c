// The fence between a collection's sweep and the requests that reuse a blob
// (docs/ARCHITECTURE.md, "Garbage collection"). A request that relies on a
// blob touches it (writes its `touched` file, whose modification time on the
// store's clock is the blob's last use) and then looks for a sweep mark
// naming it; a sweep writes its mark and only then reads the touch times. So
// either the sweep sees the touch and keeps the blob, or the request sees the
// mark and does not rely on the blob. Sweeps of one unit (the blobs whose hex
// starts with the same two digits) exclude each other, and requests that
// wait for them, through the unit's lock. Thread-safe.
#ifndef REGISTRY_STORAGED_SWEEP_FENCE_H_
#define REGISTRY_STORAGED_SWEEP_FENCE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/digest.h"
#include "drivers/driver.h"

namespace registry {

// Marks the blob as used now: writes its touched file (not durably: after a
// crash, what was acknowledged is reachable anyway).
absl::Status TouchBlob(drivers::StorageDriver& driver, const Digest& digest);

// Whether a sweep's mark names `digest`.
absl::StatusOr<bool> MarkedForSweep(drivers::StorageDriver& driver,
                                    const Digest& digest);

// Takes the lock of the digest's unit, waiting up to `wait` for a sweep to
// finish with it (then Aborted), removes a mark left there by a collector
// that died, touches the blob, and releases the lock: a sweep that follows
// sees the touch.
absl::Status TouchExclusively(drivers::StorageDriver& driver,
                              const Digest& digest, absl::Duration wait);

// The mark of a sweep deleting the blobs with these hex digests, and
// whether a mark names `hex`.
std::string FormatSweepMark(const std::vector<std::string>& hexes);
bool SweepMarkNames(absl::string_view mark, absl::string_view hex);

}  // namespace registry

#endif  // REGISTRY_STORAGED_SWEEP_FENCE_H_
