// Files of the blob cache: an owned descriptor, the stamp that tells
// whether a file changed since it was verified, and hashing a whole file.
#ifndef REGISTRY_GATEWAY_CACHE_CACHE_FILE_H_
#define REGISTRY_GATEWAY_CACHE_CACHE_FILE_H_

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace registry::gateway {

// What fstat says of a file; equal stamps mean the file was not written,
// truncated or replaced in between (its change time moves on any of them).
struct FileStamp {
  ino_t inode = 0;
  int64_t size = -1;  // -1: unknown (never verified).
  int64_t ctime_ns = 0;
  int64_t mtime_ns = 0;
  friend bool operator==(const FileStamp& a, const FileStamp& b) {
    return a.inode == b.inode && a.size == b.size && a.ctime_ns == b.ctime_ns &&
           a.mtime_ns == b.mtime_ns;
  }
  friend bool operator!=(const FileStamp& a, const FileStamp& b) {
    return !(a == b);
  }
};

// An open file and its stamp when it was opened; closes it when destroyed.
class OpenFile {
 public:
  OpenFile(int fd, FileStamp stamp) : fd_(fd), stamp_(stamp) {}
  OpenFile(OpenFile&& other) noexcept : fd_(other.fd_), stamp_(other.stamp_) {
    other.fd_ = -1;
  }
  OpenFile& operator=(OpenFile&& other) noexcept;
  ~OpenFile();
  int fd() const { return fd_; }
  const FileStamp& stamp() const { return stamp_; }

 private:
  int fd_;
  FileStamp stamp_;
};

// Opens `path` for reading. NotFound when it is missing.
absl::StatusOr<OpenFile> OpenForRead(const std::string& path);

// The stamp of the open file `fd`.
absl::StatusOr<FileStamp> StampOf(int fd, const std::string& path);

// "sha256:<hex>" of the file's whole content.
absl::StatusOr<std::string> HashFile(const OpenFile& file,
                                     const std::string& path);

}  // namespace registry::gateway

#endif  // REGISTRY_GATEWAY_CACHE_CACHE_FILE_H_
