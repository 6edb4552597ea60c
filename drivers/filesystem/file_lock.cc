#include "drivers/filesystem/file_lock.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "drivers/filesystem/errno_status.h"
#include "drivers/lock_wait.h"

namespace registry::drivers {
namespace {

class LocalLock final : public PathLock {
 public:
  explicit LocalLock(int fd) : fd_(fd) {}
  ~LocalLock() override { close(fd_); }  // Releases the OFD lock.
  absl::Status Check() override { return absl::OkStatus(); }

 private:
  const int fd_;
};

// Outcome of one attempt.
enum class Attempt { kLocked, kBusy, kReplaced };

// Tries to lock the open file `fd` of `local` without waiting. kReplaced
// when the lock was won on a file no longer at `local` (deleted or replaced
// while this process waited): the lock then protects nothing.
absl::StatusOr<Attempt> TryLock(int fd, const std::string& local,
                                absl::string_view path) {
  struct flock lock = {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  if (fcntl(fd, F_OFD_SETLK, &lock) != 0) {
    if (errno == EAGAIN || errno == EACCES) return Attempt::kBusy;
    return ErrnoToStatus(errno, "lock", path);
  }
  struct stat held, now;
  if (fstat(fd, &held) != 0) return ErrnoToStatus(errno, "lock", path);
  if (stat(local.c_str(), &now) != 0) {
    if (errno == ENOENT) return Attempt::kReplaced;
    return ErrnoToStatus(errno, "lock", path);
  }
  bool same = held.st_dev == now.st_dev && held.st_ino == now.st_ino;
  return same ? Attempt::kLocked : Attempt::kReplaced;
}

}  // namespace

absl::StatusOr<PathLockPtr> LockLocalFile(const std::string& local,
                                          absl::string_view path,
                                          absl::Duration wait) {
  LockWait waiting(wait);
  while (true) {
    int fd = open(local.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoToStatus(errno, "lock", path);
    absl::StatusOr<Attempt> attempt = TryLock(fd, local, path);
    if (attempt.ok() && *attempt == Attempt::kLocked) {
      return PathLockPtr(new LocalLock(fd));
    }
    close(fd);
    if (!attempt.ok()) return attempt.status();
    // A replaced file is retried at once: the next open finds the new file,
    // or NotFound when its directory went with it.
    if (*attempt == Attempt::kBusy && !waiting.Next()) {
      return waiting.Busy("filesystem", path);
    }
  }
}

}  // namespace registry::drivers
