// Small POSIX helpers for the filesystem driver: directory creation, fsync
// of files and directories, whole-file reads. Each returns an errno status.
#ifndef REGISTRY_DRIVERS_FILESYSTEM_LOCAL_FILE_H_
#define REGISTRY_DRIVERS_FILESYSTEM_LOCAL_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace registry::drivers {

// mkdir -p. When `durable`, every directory it creates has its entry
// fsynced.
absl::Status MakeDirs(const std::string& dir, bool durable = true);

// fsyncs the directory `dir` (making entries created in it durable).
absl::Status SyncDir(const std::string& dir);

// Writes all of `data` to `fd`.
absl::Status WriteAll(int fd, const char* data, size_t size,
                      const std::string& path);

// The directory part of a local path.
std::string LocalParent(const std::string& path);

// A fresh, unique temporary file name in the directory of `path`.
std::string TempNameFor(const std::string& path);

// True for names the driver uses for temporary files.
bool IsTempName(const char* name);

}  // namespace registry::drivers

#endif  // REGISTRY_DRIVERS_FILESYSTEM_LOCAL_FILE_H_
