// Maps errno values to absl::Status per the driver error contract.
#ifndef REGISTRY_DRIVERS_FILESYSTEM_ERRNO_STATUS_H_
#define REGISTRY_DRIVERS_FILESYSTEM_ERRNO_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace registry::drivers {

// A status for `err` from operation `op` on `path`: ENOENT/ENOTDIR are
// NotFound, ENOSPC/EDQUOT ResourceExhausted, EINVAL/ENAMETOOLONG
// InvalidArgument, EAGAIN/EINTR Unavailable, anything else Internal.
absl::Status ErrnoToStatus(int err, absl::string_view op,
                           absl::string_view path);

}  // namespace registry::drivers

#endif  // REGISTRY_DRIVERS_FILESYSTEM_ERRNO_STATUS_H_
