#include "drivers/filesystem/errno_status.h"

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace registry::drivers {

absl::Status ErrnoToStatus(int err, absl::string_view op,
                           absl::string_view path) {
  absl::StatusCode code;
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      code = absl::StatusCode::kNotFound;
      break;
    case ENOSPC:
    case EDQUOT:
      code = absl::StatusCode::kResourceExhausted;
      break;
    case EINVAL:
    case ENAMETOOLONG:
      code = absl::StatusCode::kInvalidArgument;
      break;
    case EAGAIN:
    case EINTR:
      code = absl::StatusCode::kUnavailable;
      break;
    default:
      code = absl::StatusCode::kInternal;
  }
  return absl::Status(code, absl::StrCat("filesystem: ", op, " ", path, ": ",
                                         std::strerror(err)));
}

}  // namespace registry::drivers
