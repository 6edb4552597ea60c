#include "drivers/filesystem/local_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>

#include "absl/strings/str_cat.h"
#include "drivers/filesystem/errno_status.h"

namespace registry::drivers {

std::string LocalParent(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

absl::Status SyncDir(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoToStatus(errno, "open dir", dir);
  int rc = fsync(fd);
  int err = errno;
  close(fd);
  return rc == 0 ? absl::OkStatus() : ErrnoToStatus(err, "fsync dir", dir);
}

absl::Status MakeDirs(const std::string& dir, bool durable) {
  struct stat st;
  if (stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return absl::OkStatus();
    return ErrnoToStatus(ENOTDIR, "mkdir", dir);
  }
  std::string parent = LocalParent(dir);
  if (parent != dir) {
    absl::Status status = MakeDirs(parent, durable);
    if (!status.ok()) return status;
  }
  if (mkdir(dir.c_str(), 0755) != 0) {
    if (errno == EEXIST) return absl::OkStatus();  // Lost a benign race.
    return ErrnoToStatus(errno, "mkdir", dir);
  }
  return durable ? SyncDir(parent) : absl::OkStatus();
}

absl::Status WriteAll(int fd, const char* data, size_t size,
                      const std::string& path) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, "write", path);
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

std::string TempNameFor(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return absl::StrCat(LocalParent(path), "/.tmp.", getpid(), ".",
                      counter.fetch_add(1), ".", rng());
}

bool IsTempName(const char* name) {
  return std::strncmp(name, ".tmp.", 5) == 0;
}

}  // namespace registry::drivers
