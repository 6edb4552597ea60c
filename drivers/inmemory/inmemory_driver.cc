#include "drivers/inmemory/inmemory_driver.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "drivers/path_check.h"

namespace registry::drivers {
namespace {

absl::Status NotFound(absl::string_view op, absl::string_view path) {
  return absl::NotFoundError(
      absl::StrCat("inmemory: ", op, " ", path, ": no such file"));
}

// The prefix every path below directory `dir` starts with.
std::string DirPrefix(absl::string_view dir) {
  return dir == "/" ? "/" : absl::StrCat(dir, "/");
}

class InMemoryReader final : public FileReader {
 public:
  InMemoryReader(std::shared_ptr<const std::string> content, size_t offset)
      : content_(std::move(content)), offset_(offset) {}

  absl::StatusOr<size_t> Read(char* buf, size_t n) override {
    size_t count = std::min(n, content_->size() - offset_);
    std::memcpy(buf, content_->data() + offset_, count);
    offset_ += count;
    return count;
  }

 private:
  std::shared_ptr<const std::string> content_;
  size_t offset_;
};

}  // namespace

class InMemoryWriter final : public FileWriter {
 public:
  InMemoryWriter(InMemoryDriver* driver, std::string path, int64_t size)
      : driver_(driver), path_(std::move(path)), size_(size) {}

  absl::Status Write(absl::string_view data) override {
    if (cancelled_) return absl::FailedPreconditionError("writer cancelled");
    driver_->Append(path_, data);
    size_ += static_cast<int64_t>(data.size());
    return absl::OkStatus();
  }
  int64_t Size() const override { return size_; }
  absl::Status Commit() override {
    return cancelled_ ? absl::FailedPreconditionError("writer cancelled")
                      : absl::OkStatus();
  }
  absl::Status Cancel() override {
    cancelled_ = true;
    absl::Status status = driver_->Delete(path_);
    return absl::IsNotFound(status) ? absl::OkStatus() : status;
  }

 private:
  InMemoryDriver* driver_;
  const std::string path_;
  int64_t size_;
  bool cancelled_ = false;
};

class InMemoryLock final : public PathLock {
 public:
  InMemoryLock(InMemoryDriver* driver, std::string path)
      : driver_(driver), path_(std::move(path)) {}
  ~InMemoryLock() override { driver_->Unlock(path_); }
  absl::Status Check() override { return absl::OkStatus(); }

 private:
  InMemoryDriver* const driver_;
  const std::string path_;
};

absl::StatusOr<PathLockPtr> InMemoryDriver::Lock(absl::string_view path,
                                                 absl::Duration wait) {
  RETURN_IF_ERROR(CheckPath(Name(), path));
  std::string key(path);
  {
    absl::MutexLock held(&locks_mu_);
    auto free = [&]() ABSL_SHARED_LOCKS_REQUIRED(locks_mu_) {
      return locked_.count(key) == 0;
    };
    if (!locks_mu_.AwaitWithTimeout(absl::Condition(&free), wait)) {
      return absl::AbortedError(absl::StrCat("inmemory: lock ", path,
                                             " still held by another holder"));
    }
    locked_.insert(key);
  }
  PathLockPtr lock(new InMemoryLock(this, key));
  std::string parent(ParentPath(path));
  absl::MutexLock files(&mu_);
  if (parent != "/" && !IsDirLocked(parent)) return NotFound("lock", path);
  return lock;
}

void InMemoryDriver::Unlock(const std::string& path) {
  absl::MutexLock held(&locks_mu_);
  locked_.erase(path);
}

bool InMemoryDriver::IsDirLocked(const std::string& path) const {
  std::string prefix = DirPrefix(path);
  auto it = files_.lower_bound(prefix);
  return it != files_.end() && absl::StartsWith(it->first, prefix);
}

void InMemoryDriver::Append(const std::string& path, absl::string_view data) {
  absl::MutexLock lock(&mu_);
  File& file = files_[path];
  // Copy on write when a reader still shares the old bytes.
  if (file.content == nullptr || file.content.use_count() > 1) {
    auto copy = std::make_shared<std::string>(
        file.content == nullptr ? "" : *file.content);
    copy->append(data.data(), data.size());
    file.content = std::move(copy);
  } else {
    const_cast<std::string&>(*file.content).append(data.data(), data.size());
  }
  file.mod_time = absl::Now();
}

absl::StatusOr<std::string> InMemoryDriver::GetContent(absl::string_view path) {
  RETURN_IF_ERROR(CheckPath(Name(), path));
  absl::MutexLock lock(&mu_);
  auto it = files_.find(std::string(path));
  if (it == files_.end()) return NotFound("read", path);
  return *it->second.content;
}

absl::Status InMemoryDriver::PutContent(absl::string_view path,
                                        absl::string_view content) {
  RETURN_IF_ERROR(CheckPath(Name(), path));
  auto bytes = std::make_shared<const std::string>(content);
  absl::MutexLock lock(&mu_);
  if (IsDirLocked(std::string(path))) {
    return absl::FailedPreconditionError(
        absl::StrCat("inmemory: put ", path, ": is a directory"));
  }
  files_[std::string(path)] = File{std::move(bytes), absl::Now()};
  return absl::OkStatus();
}

absl::StatusOr<FileReaderPtr> InMemoryDriver::Reader(absl::string_view path,
                                                     int64_t offset) {
  RETURN_IF_ERROR(CheckPath(Name(), path));
  absl::MutexLock lock(&mu_);
  auto it = files_.find(std::string(path));
  if (it == files_.end()) return NotFound("read", path);
  int64_t size = static_cast<int64_t>(it->second.content->size());
  if (offset < 0 || offset > size) {
    return absl::OutOfRangeError(absl::StrCat(
        "inmemory: offset ", offset, " beyond size ", size, " of ", path));
  }
  return FileReaderPtr(
      new InMemoryReader(it->second.content, static_cast<size_t>(offset)));
}

absl::StatusOr<FileWriterPtr> InMemoryDriver::Writer(absl::string_view path,
                                                     bool append) {
  RETURN_IF_ERROR(CheckPath(Name(), path));
  std::string key(path);
  absl::MutexLock lock(&mu_);
  File& file = files_[key];
  if (file.content == nullptr || !append) {
    file.content = std::make_shared<const std::string>();
    file.mod_time = absl::Now();
  }
  return FileWriterPtr(new InMemoryWriter(
      this, key, static_cast<int64_t>(file.content->size())));
}

absl::StatusOr<FileInfo> InMemoryDriver::Stat(absl::string_view path) {
  RETURN_IF_ERROR(CheckPath(Name(), path, /*allow_root=*/true));
  std::string key(path);
  absl::MutexLock lock(&mu_);
  FileInfo info;
  info.path = key;
  auto it = files_.find(key);
  if (it != files_.end()) {
    info.size = static_cast<int64_t>(it->second.content->size());
    info.mod_time = it->second.mod_time;
    return info;
  }
  if (key == "/" || IsDirLocked(key)) {
    info.is_dir = true;
    return info;
  }
  return NotFound("stat", path);
}

absl::StatusOr<std::vector<std::string>> InMemoryDriver::List(
    absl::string_view path) {
  RETURN_IF_ERROR(CheckPath(Name(), path, /*allow_root=*/true));
  std::string prefix = DirPrefix(path);
  absl::MutexLock lock(&mu_);
  if (path != "/" && !IsDirLocked(std::string(path))) {
    return NotFound("list", path);
  }
  std::set<std::string> children;
  for (auto it = files_.lower_bound(prefix);
       it != files_.end() && absl::StartsWith(it->first, prefix); ++it) {
    size_t slash = it->first.find('/', prefix.size());
    children.insert(it->first.substr(0, slash));
  }
  return std::vector<std::string>(children.begin(), children.end());
}

absl::Status InMemoryDriver::Move(absl::string_view src,
                                  absl::string_view dst) {
  RETURN_IF_ERROR(CheckPath(Name(), src));
  RETURN_IF_ERROR(CheckPath(Name(), dst));
  absl::MutexLock lock(&mu_);
  auto it = files_.find(std::string(src));
  if (it == files_.end()) return NotFound("move", src);
  File file = std::move(it->second);
  files_.erase(it);
  files_[std::string(dst)] = std::move(file);
  return absl::OkStatus();
}

absl::Status InMemoryDriver::Delete(absl::string_view path) {
  RETURN_IF_ERROR(CheckPath(Name(), path));
  std::string prefix = DirPrefix(path);
  absl::MutexLock lock(&mu_);
  size_t erased = files_.erase(std::string(path));
  auto it = files_.lower_bound(prefix);
  while (it != files_.end() && absl::StartsWith(it->first, prefix)) {
    it = files_.erase(it);
    ++erased;
  }
  return erased > 0 ? absl::OkStatus() : NotFound("delete", path);
}

absl::Status InMemoryDriver::Walk(absl::string_view path, const WalkFn& fn) {
  ASSIGN_OR_RETURN(FileInfo root, Stat(path));
  if (!root.is_dir) return NotFound("walk (not a directory)", path);
  // Snapshot the entries in walk order (the map's key order, each directory
  // just before its first file), then call back without the lock.
  std::vector<FileInfo> entries;
  {
    std::string prefix = DirPrefix(path);
    absl::MutexLock lock(&mu_);
    std::set<std::string> seen_dirs;
    for (auto it = files_.lower_bound(prefix);
         it != files_.end() && absl::StartsWith(it->first, prefix); ++it) {
      for (size_t slash = it->first.find('/', prefix.size());
           slash != std::string::npos; slash = it->first.find('/', slash + 1)) {
        std::string dir = it->first.substr(0, slash);
        if (seen_dirs.insert(dir).second) {
          entries.push_back(FileInfo{dir, 0, absl::Time(), true});
        }
      }
      entries.push_back(
          FileInfo{it->first, static_cast<int64_t>(it->second.content->size()),
                   it->second.mod_time, false});
    }
  }
  std::string skip;  // Prefix of a skipped directory.
  for (const FileInfo& info : entries) {
    if (!skip.empty() && absl::StartsWith(info.path, skip)) continue;
    skip.clear();
    WalkAction action = fn(info);
    if (action == WalkAction::kStop) return absl::OkStatus();
    if (action == WalkAction::kSkipDir && info.is_dir) skip = info.path + "/";
  }
  return absl::OkStatus();
}

namespace {

class InMemoryDriverFactory final : public DriverFactory {
 public:
  absl::string_view Name() const override { return "inmemory"; }
  absl::StatusOr<StorageDriverPtr> Create(const DriverParams&) const override {
    return StorageDriverPtr(new InMemoryDriver());
  }
};

}  // namespace

std::unique_ptr<DriverFactory> NewInMemoryDriverFactory() {
  return std::make_unique<InMemoryDriverFactory>();
}

}  // namespace registry::drivers
