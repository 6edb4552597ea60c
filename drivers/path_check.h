// Validation of driver paths, shared by every driver. Pure functions.
#ifndef REGISTRY_DRIVERS_PATH_CHECK_H_
#define REGISTRY_DRIVERS_PATH_CHECK_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace registry::drivers {

// OK when `path` matches ^(/[A-Za-z0-9._-]+)+$ and has no "." or ".."
// component (or is "/" and `allow_root`); InvalidArgument naming `driver`
// and the path otherwise.
absl::Status CheckPath(absl::string_view driver, absl::string_view path,
                       bool allow_root = false);

// The parent of a checked path ("/a/b" -> "/a", "/a" -> "/").
absl::string_view ParentPath(absl::string_view path);

// Joins a directory path and a child name ("/" + "a" -> "/a").
std::string JoinPath(absl::string_view dir, absl::string_view name);

}  // namespace registry::drivers

#endif  // REGISTRY_DRIVERS_PATH_CHECK_H_
