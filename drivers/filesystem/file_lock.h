// The filesystem driver's locks: an open file description lock (fcntl
// F_OFD_SETLK) on a lock file. The kernel releases it when the holder closes
// it or dies, so a SIGKILLed storaged never leaves a lock behind; every
// process on the host (and NFS clients, through lockd) sees it.
#ifndef REGISTRY_DRIVERS_FILESYSTEM_FILE_LOCK_H_
#define REGISTRY_DRIVERS_FILESYSTEM_FILE_LOCK_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "drivers/driver.h"

namespace registry::drivers {

// Locks the file `local` (created when missing, in an existing directory),
// waiting up to `wait`. `path` names it in messages. Errors as
// StorageDriver::Lock.
absl::StatusOr<PathLockPtr> LockLocalFile(const std::string& local,
                                          absl::string_view path,
                                          absl::Duration wait);

}  // namespace registry::drivers

#endif  // REGISTRY_DRIVERS_FILESYSTEM_FILE_LOCK_H_
