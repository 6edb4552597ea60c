#include "drivers/filesystem/filesystem_driver.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "drivers/filesystem/errno_status.h"
#include "drivers/filesystem/file_lock.h"
#include "drivers/filesystem/local_file.h"
#include "drivers/path_check.h"

namespace registry::drivers {
namespace {

// Closes a file descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) : fd_(other.release()) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

// Opens a regular file for reading and stats it.
absl::StatusOr<Fd> OpenForReading(const std::string& local,
                                  absl::string_view path, struct stat* st) {
  Fd fd(open(local.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoToStatus(errno, "open", path);
  if (fstat(fd.get(), st) != 0) return ErrnoToStatus(errno, "stat", path);
  if (S_ISDIR(st->st_mode)) return ErrnoToStatus(EISDIR, "read", path);
  return fd;
}

class LocalReader final : public FileReader {
 public:
  LocalReader(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}

  absl::StatusOr<size_t> Read(char* buf, size_t n) override {
    while (true) {
      ssize_t got = read(fd_.get(), buf, n);
      if (got >= 0) return static_cast<size_t>(got);
      if (errno != EINTR) return ErrnoToStatus(errno, "read", path_);
    }
  }

 private:
  Fd fd_;
  const std::string path_;
};

class LocalWriter final : public FileWriter {
 public:
  LocalWriter(int fd, std::string path, int64_t size, bool created)
      : fd_(fd), path_(std::move(path)), size_(size), created_(created) {}

  absl::Status Write(absl::string_view data) override {
    if (fd_.get() < 0) return absl::FailedPreconditionError("writer closed");
    RETURN_IF_ERROR(WriteAll(fd_.get(), data.data(), data.size(), path_));
    size_ += static_cast<int64_t>(data.size());
    return absl::OkStatus();
  }

  int64_t Size() const override { return size_; }

  absl::Status Commit() override {
    if (fd_.get() < 0) return absl::FailedPreconditionError("writer closed");
    if (fdatasync(fd_.get()) != 0) {
      return ErrnoToStatus(errno, "fdatasync", path_);
    }
    if (created_) {
      RETURN_IF_ERROR(SyncDir(LocalParent(path_)));
      created_ = false;
    }
    return absl::OkStatus();
  }

  absl::Status Cancel() override {
    close(fd_.release());
    if (unlink(path_.c_str()) != 0 && errno != ENOENT) {
      return ErrnoToStatus(errno, "unlink", path_);
    }
    return absl::OkStatus();
  }

 private:
  Fd fd_;
  const std::string path_;
  int64_t size_;
  bool created_;
};

absl::StatusOr<FileInfo> StatLocal(const std::string& local,
                                   absl::string_view path) {
  struct stat st;
  if (stat(local.c_str(), &st) != 0) return ErrnoToStatus(errno, "stat", path);
  FileInfo info;
  info.path = std::string(path);
  info.is_dir = S_ISDIR(st.st_mode);
  info.size = info.is_dir ? 0 : st.st_size;
  info.mod_time = absl::TimeFromTimespec(st.st_mtim);
  return info;
}

// Names in a local directory, sorted, without temporary files.
absl::StatusOr<std::vector<std::string>> ReadDirNames(const std::string& local,
                                                      absl::string_view path) {
  DIR* dir = opendir(local.c_str());
  if (dir == nullptr) return ErrnoToStatus(errno, "list", path);
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* entry = readdir(dir)) {
    const char* name = entry->d_name;
    if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0 ||
        IsTempName(name)) {
      continue;
    }
    names.emplace_back(name);
  }
  int err = errno;
  closedir(dir);
  if (err != 0) return ErrnoToStatus(err, "list", path);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

absl::StatusOr<std::unique_ptr<FilesystemDriver>> FilesystemDriver::Open(
    const std::string& root) {
  if (root.empty() || root[0] != '/') {
    return absl::InvalidArgumentError(absl::StrCat(
        "filesystem: rootdirectory \"", root, "\" must be an absolute path"));
  }
  std::string clean = root;
  while (clean.size() > 1 && clean.back() == '/') clean.pop_back();
  RETURN_IF_ERROR(MakeDirs(clean));
  return std::unique_ptr<FilesystemDriver>(new FilesystemDriver(clean));
}

absl::StatusOr<std::string> FilesystemDriver::Resolve(absl::string_view path,
                                                      bool allow_root) const {
  RETURN_IF_ERROR(CheckPath(Name(), path, allow_root));
  return path == "/" ? root_ : absl::StrCat(root_, path);
}

absl::StatusOr<std::string> FilesystemDriver::GetContent(
    absl::string_view path) {
  ASSIGN_OR_RETURN(std::string local, Resolve(path));
  struct stat st;
  ASSIGN_OR_RETURN(Fd fd, OpenForReading(local, path, &st));
  std::string content(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = read(fd.get(), content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoToStatus(errno, "read", path);
    if (n == 0) break;  // Shrunk under us: return what is there.
    done += static_cast<size_t>(n);
  }
  content.resize(done);
  return content;
}

absl::Status FilesystemDriver::PutContent(absl::string_view path,
                                          absl::string_view content) {
  return Put(path, content, /*durable=*/true);
}

absl::Status FilesystemDriver::PutContentVolatile(absl::string_view path,
                                                  absl::string_view content) {
  return Put(path, content, /*durable=*/false);
}

absl::Status FilesystemDriver::Put(absl::string_view path,
                                   absl::string_view content, bool durable) {
  ASSIGN_OR_RETURN(std::string local, Resolve(path));
  std::string parent = LocalParent(local);
  RETURN_IF_ERROR(MakeDirs(parent, durable));
  std::string temp = TempNameFor(local);
  Fd fd(open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (fd.get() < 0) return ErrnoToStatus(errno, "create", path);
  absl::Status status =
      WriteAll(fd.get(), content.data(), content.size(), temp);
  if (status.ok() && durable && fdatasync(fd.get()) != 0) {
    status = ErrnoToStatus(errno, "fdatasync", path);
  }
  if (status.ok() && rename(temp.c_str(), local.c_str()) != 0) {
    status = ErrnoToStatus(errno, "rename", path);
  }
  if (!status.ok()) {
    unlink(temp.c_str());
    return status;
  }
  return durable ? SyncDir(parent) : absl::OkStatus();
}

absl::StatusOr<FileReaderPtr> FilesystemDriver::Reader(absl::string_view path,
                                                       int64_t offset) {
  ASSIGN_OR_RETURN(std::string local, Resolve(path));
  struct stat st;
  ASSIGN_OR_RETURN(Fd fd, OpenForReading(local, path, &st));
  if (offset < 0 || offset > st.st_size) {
    return absl::OutOfRangeError(absl::StrCat("filesystem: offset ", offset,
                                              " beyond size ", st.st_size,
                                              " of ", path));
  }
  if (lseek(fd.get(), offset, SEEK_SET) < 0) {
    return ErrnoToStatus(errno, "seek", path);
  }
  posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  return FileReaderPtr(new LocalReader(fd.release(), std::string(path)));
}

absl::StatusOr<FileWriterPtr> FilesystemDriver::Writer(absl::string_view path,
                                                       bool append) {
  ASSIGN_OR_RETURN(std::string local, Resolve(path));
  RETURN_IF_ERROR(MakeDirs(LocalParent(local)));
  bool created = access(local.c_str(), F_OK) != 0;
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
  Fd fd(open(local.c_str(), flags, 0644));
  if (fd.get() < 0) return ErrnoToStatus(errno, "open for write", path);
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return ErrnoToStatus(errno, "stat", path);
  return FileWriterPtr(
      new LocalWriter(fd.release(), local, st.st_size, created || !append));
}

absl::StatusOr<FileInfo> FilesystemDriver::Stat(absl::string_view path) {
  ASSIGN_OR_RETURN(std::string local, Resolve(path, /*allow_root=*/true));
  return StatLocal(local, path);
}

absl::StatusOr<std::vector<std::string>> FilesystemDriver::List(
    absl::string_view path) {
  ASSIGN_OR_RETURN(std::string local, Resolve(path, /*allow_root=*/true));
  ASSIGN_OR_RETURN(std::vector<std::string> names, ReadDirNames(local, path));
  for (std::string& name : names) name = JoinPath(path, name);
  return names;
}

absl::Status FilesystemDriver::Move(absl::string_view src,
                                    absl::string_view dst) {
  ASSIGN_OR_RETURN(std::string local_src, Resolve(src));
  ASSIGN_OR_RETURN(std::string local_dst, Resolve(dst));
  if (access(local_src.c_str(), F_OK) != 0) {
    return ErrnoToStatus(errno, "move", src);
  }
  std::string parent = LocalParent(local_dst);
  RETURN_IF_ERROR(MakeDirs(parent));
  if (rename(local_src.c_str(), local_dst.c_str()) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("move to ", dst), src);
  }
  return SyncDir(parent);
}

absl::Status FilesystemDriver::Delete(absl::string_view path) {
  ASSIGN_OR_RETURN(std::string local, Resolve(path));
  struct stat st;
  if (lstat(local.c_str(), &st) != 0)
    return ErrnoToStatus(errno, "delete", path);
  std::string target = local;
  if (S_ISDIR(st.st_mode)) {
    // Out of sight at once (temporary names are hidden from listings), so
    // no reader sees a half-removed tree and no lock waiter can create a
    // file in it through its old path.
    target = TempNameFor(local);
    if (rename(local.c_str(), target.c_str()) != 0) {
      return ErrnoToStatus(errno, "delete", path);
    }
  }
  std::error_code error;
  // A file created through an already resolved path while the tree is
  // removed fails the last rmdir with ENOTEMPTY: remove again.
  for (int attempt = 0; attempt < 5; ++attempt) {
    error.clear();
    std::filesystem::remove_all(target, error);
    if (error.value() != ENOTEMPTY) break;
  }
  if (error) return ErrnoToStatus(error.value(), "delete", path);
  return absl::OkStatus();
}

absl::Status FilesystemDriver::DeleteFiles(
    const std::vector<std::string>& paths) {
  for (const std::string& path : paths) {
    ASSIGN_OR_RETURN(std::string local, Resolve(path));
    if (unlink(local.c_str()) != 0) {
      if (errno == ENOENT) continue;
      return ErrnoToStatus(errno, "delete", path);
    }
    // Fails while the directory holds anything else; that is fine.
    rmdir(LocalParent(local).c_str());
  }
  return absl::OkStatus();
}

absl::Status FilesystemDriver::Walk(absl::string_view path, const WalkFn& fn) {
  ASSIGN_OR_RETURN(std::string local, Resolve(path, /*allow_root=*/true));
  ASSIGN_OR_RETURN(FileInfo info, StatLocal(local, path));
  if (!info.is_dir) return ErrnoToStatus(ENOTDIR, "walk", path);
  bool stop = false;
  return WalkDir(std::string(path), fn, &stop);
}

absl::Status FilesystemDriver::WalkDir(const std::string& path,
                                       const WalkFn& fn, bool* stop) {
  std::string local = path == "/" ? root_ : root_ + path;
  absl::StatusOr<std::vector<std::string>> names = ReadDirNames(local, path);
  // A directory removed while walking is simply gone.
  if (absl::IsNotFound(names.status())) return absl::OkStatus();
  RETURN_IF_ERROR(names.status());
  std::vector<FileInfo> children;
  children.reserve(names->size());
  for (const std::string& name : *names) {
    absl::StatusOr<FileInfo> info =
        StatLocal(local + "/" + name, JoinPath(path, name));
    if (absl::IsNotFound(info.status())) continue;
    RETURN_IF_ERROR(info.status());
    children.push_back(*std::move(info));
  }
  // Key order: a directory sorts as its name followed by '/'.
  auto key = [](const FileInfo& info) {
    return info.is_dir ? info.path + "/" : info.path;
  };
  std::sort(
      children.begin(), children.end(),
      [&](const FileInfo& a, const FileInfo& b) { return key(a) < key(b); });
  for (const FileInfo& info : children) {
    WalkAction action = fn(info);
    if (action == WalkAction::kStop) {
      *stop = true;
      return absl::OkStatus();
    }
    if (info.is_dir && action != WalkAction::kSkipDir) {
      RETURN_IF_ERROR(WalkDir(info.path, fn, stop));
      if (*stop) return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<PathLockPtr> FilesystemDriver::Lock(absl::string_view path,
                                                   absl::Duration wait) {
  ASSIGN_OR_RETURN(std::string local, Resolve(path));
  return LockLocalFile(local, path, wait);
}

namespace {

class FilesystemDriverFactory final : public DriverFactory {
 public:
  absl::string_view Name() const override { return "filesystem"; }
  absl::StatusOr<StorageDriverPtr> Create(
      const DriverParams& params) const override {
    auto it = params.find("rootdirectory");
    if (it == params.end() || it->second.empty()) {
      return absl::InvalidArgumentError(
          "filesystem: parameter rootdirectory is required");
    }
    ASSIGN_OR_RETURN(std::unique_ptr<FilesystemDriver> driver,
                     FilesystemDriver::Open(it->second));
    return StorageDriverPtr(std::move(driver));
  }
};

}  // namespace

std::unique_ptr<DriverFactory> NewFilesystemDriverFactory() {
  return std::make_unique<FilesystemDriverFactory>();
}

}  // namespace registry::drivers
