#include "gateway/cache/cache_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "common/sha256.h"
#include "drivers/filesystem/errno_status.h"

namespace registry::gateway {
namespace {

constexpr size_t kHashChunk = 1 << 20;

int64_t Nanos(const struct timespec& t) {
  return static_cast<int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

}  // namespace

OpenFile& OpenFile::operator=(OpenFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.fd_;
    stamp_ = other.stamp_;
    other.fd_ = -1;
  }
  return *this;
}

OpenFile::~OpenFile() {
  if (fd_ >= 0) close(fd_);
}

absl::StatusOr<FileStamp> StampOf(int fd, const std::string& path) {
  struct stat st;
  if (fstat(fd, &st) != 0) return drivers::ErrnoToStatus(errno, "fstat", path);
  FileStamp stamp;
  stamp.inode = st.st_ino;
  stamp.size = st.st_size;
  stamp.ctime_ns = Nanos(st.st_ctim);
  stamp.mtime_ns = Nanos(st.st_mtim);
  return stamp;
}

absl::StatusOr<OpenFile> OpenForRead(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return drivers::ErrnoToStatus(errno, "open", path);
  absl::StatusOr<FileStamp> stamp = StampOf(fd, path);
  if (!stamp.ok()) {
    close(fd);
    return stamp.status();
  }
  return OpenFile(fd, *stamp);
}

absl::StatusOr<std::string> HashFile(const OpenFile& file,
                                     const std::string& path) {
  Sha256Hasher hasher;
  std::vector<char> buffer(kHashChunk);
  off_t offset = 0;
  while (true) {
    ssize_t n = pread(file.fd(), buffer.data(), buffer.size(), offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return drivers::ErrnoToStatus(errno, "read", path);
    }
    if (n == 0) break;
    hasher.Update(absl::string_view(buffer.data(), static_cast<size_t>(n)));
    offset += n;
  }
  return hasher.Finish().ToString();
}

}  // namespace registry::gateway
