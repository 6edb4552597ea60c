#include "drivers/s3/s3_driver.h"

#include <cstdlib>
#include <cstring>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "drivers/path_check.h"
#include "drivers/s3/key_walk.h"
#include "drivers/s3/pending_file.h"
#include "drivers/s3/s3_lock.h"
#include "drivers/s3/s3_writer.h"

namespace registry::drivers {
namespace {

using s3::ObjectInfo;
using s3::ObjectListing;

constexpr int64_t kReadWindow = int64_t{8} << 20;
constexpr int kPageSize = 1000;

absl::Status NoSuchFile(absl::string_view op, absl::string_view path) {
  return absl::NotFoundError(
      absl::StrCat("s3: ", op, " ", path, ": no such file or directory"));
}

// Reads a finished object in ranged GETs of kReadWindow bytes.
class S3Reader final : public FileReader {
 public:
  S3Reader(s3::ObjectStore& store, std::string key, int64_t offset,
           int64_t size)
      : store_(store), key_(std::move(key)), next_(offset), size_(size) {}

  absl::StatusOr<size_t> Read(char* buf, size_t n) override {
    if (used_ == window_.size()) {
      if (next_ >= size_) return 0;
      ASSIGN_OR_RETURN(
          window_,
          store_.Get(key_, next_, std::min(kReadWindow, size_ - next_)));
      next_ += static_cast<int64_t>(window_.size());
      used_ = 0;
      if (window_.empty()) return 0;
    }
    size_t count = std::min(n, window_.size() - used_);
    std::memcpy(buf, window_.data() + used_, count);
    used_ += count;
    return count;
  }

 private:
  s3::ObjectStore& store_;
  const std::string key_;
  int64_t next_;  // Offset of the first byte after the window.
  const int64_t size_;
  std::string window_;
  size_t used_ = 0;
};

// The name a listed key or common prefix gives below `prefix`, with a
// pending object's suffix removed; empty when it is no valid path name.
std::string ChildName(absl::string_view prefix, absl::string_view key) {
  key.remove_prefix(prefix.size());
  absl::string_view file_key;
  if (s3::IsPendingKey(key, &file_key)) key = file_key;
  if (!key.empty() && key.back() == '/') key.remove_suffix(1);
  if (!CheckPath("s3", absl::StrCat("/", key)).ok()) return "";
  return std::string(key);
}

}  // namespace

absl::StatusOr<std::unique_ptr<S3Driver>> S3Driver::Open(
    s3::S3Options options) {
  ASSIGN_OR_RETURN(std::unique_ptr<s3::S3Client> client,
                   s3::S3Client::Create(options.endpoint));
  absl::Status bucket =
      client->Send({"HEAD", "", {}, {}, {}}, "HEAD bucket").status();
  if (absl::IsNotFound(bucket)) {
    return absl::NotFoundError(
        absl::StrCat("s3: bucket \"", options.endpoint.bucket,
                     "\" does not exist at ", options.endpoint.url));
  }
  RETURN_IF_ERROR(bucket);
  return std::unique_ptr<S3Driver>(
      new S3Driver(std::move(options), std::move(client)));
}

S3Driver::S3Driver(s3::S3Options options, std::unique_ptr<s3::S3Client> client)
    : options_(std::move(options)), store_(std::move(client)) {}

std::string S3Driver::Key(absl::string_view path) const {
  return absl::StrCat(options_.root_prefix, path.substr(1));
}

std::string S3Driver::DirPrefix(absl::string_view path) const {
  return path == "/" ? options_.root_prefix : absl::StrCat(Key(path), "/");
}

absl::StatusOr<ObjectInfo> S3Driver::Finished(const std::string& key,
                                              absl::string_view path) {
  absl::StatusOr<ObjectInfo> info = store_.Head(key);
  if (!absl::IsNotFound(info.status())) return info;
  absl::Status finished = s3::FinishPending(store_, key);
  if (absl::IsNotFound(finished)) return NoSuchFile("read", path);
  RETURN_IF_ERROR(finished);
  return store_.Head(key);
}

absl::StatusOr<PathLockPtr> S3Driver::Lock(absl::string_view path,
                                           absl::Duration wait) {
  RETURN_IF_ERROR(CheckPath(Name(), path));
  return s3::LockObject(store_, Key(path), DirPrefix(ParentPath(path)), path,
                        wait);
}

absl::StatusOr<std::string> S3Driver::GetContent(absl::string_view path) {
  RETURN_IF_ERROR(CheckPath(Name(), path));
  std::string key = Key(path);
  absl::StatusOr<std::string> content = store_.Get(key);
  if (!absl::IsNotFound(content.status())) return content;
  RETURN_IF_ERROR(Finished(key, path).status());
  return store_.Get(key);
}

absl::Status S3Driver::PutContent(absl::string_view path,
                                  absl::string_view content) {
  RETURN_IF_ERROR(CheckPath(Name(), path));
  return store_.Put(Key(path), content);
}

absl::StatusOr<FileReaderPtr> S3Driver::Reader(absl::string_view path,
                                               int64_t offset) {
  RETURN_IF_ERROR(CheckPath(Name(), path));
  std::string key = Key(path);
  ASSIGN_OR_RETURN(ObjectInfo info, Finished(key, path));
  if (offset < 0 || offset > info.size) {
    return absl::OutOfRangeError(absl::StrCat("s3: read ", path, " at ", offset,
                                              ": the file has ", info.size,
                                              " bytes"));
  }
  return FileReaderPtr(new S3Reader(store_, std::move(key), offset, info.size));
}

absl::StatusOr<FileWriterPtr> S3Driver::Writer(absl::string_view path,
                                               bool append) {
  RETURN_IF_ERROR(CheckPath(Name(), path));
  return s3::S3Writer::Open(store_, Key(path), append, options_.chunk_size);
}

absl::StatusOr<FileInfo> S3Driver::Stat(absl::string_view path) {
  RETURN_IF_ERROR(CheckPath(Name(), path, /*allow_root=*/true));
  FileInfo result;
  result.path = std::string(path);
  if (path == "/") {
    result.is_dir = true;
    return result;
  }
  std::string key = Key(path);
  absl::StatusOr<ObjectInfo> info = store_.Head(key);
  if (absl::IsNotFound(info.status())) info = s3::PendingInfo(store_, key);
  if (info.ok()) {
    result.size = info->size;
    result.mod_time = info->last_modified;
    return result;
  }
  if (!absl::IsNotFound(info.status())) return info.status();
  bool any = false;
  RETURN_IF_ERROR(
      store_.List(DirPrefix(path), "/", 1, [&](const ObjectListing& listing) {
        any = !listing.objects.empty() || !listing.common_prefixes.empty();
        return false;
      }));
  if (!any) return NoSuchFile("stat", path);
  result.is_dir = true;
  return result;
}

absl::StatusOr<std::vector<std::string>> S3Driver::List(
    absl::string_view path) {
  RETURN_IF_ERROR(CheckPath(Name(), path, /*allow_root=*/true));
  const std::string prefix = DirPrefix(path);
  std::set<std::string> names;
  RETURN_IF_ERROR(
      store_.List(prefix, "/", kPageSize, [&](const ObjectListing& listing) {
        for (const s3::ObjectEntry& object : listing.objects) {
          std::string name = ChildName(prefix, object.key);
          if (!name.empty()) names.insert(std::move(name));
        }
        for (const std::string& dir : listing.common_prefixes) {
          std::string name = ChildName(prefix, dir);
          if (!name.empty()) names.insert(std::move(name));
        }
        return true;
      }));
  if (names.empty() && path != "/") return NoSuchFile("list", path);
  std::vector<std::string> paths;
  paths.reserve(names.size());
  for (const std::string& name : names) paths.push_back(JoinPath(path, name));
  return paths;
}

absl::Status S3Driver::Move(absl::string_view src, absl::string_view dst) {
  RETURN_IF_ERROR(CheckPath(Name(), src));
  RETURN_IF_ERROR(CheckPath(Name(), dst));
  std::string src_key = Key(src);
  ASSIGN_OR_RETURN(ObjectInfo info, Finished(src_key, src));
  RETURN_IF_ERROR(store_.Copy(src_key, info.size, Key(dst),
                              options_.multipart_copy_threshold,
                              options_.multipart_copy_chunk_size));
  return store_.Delete(src_key);
}

absl::Status S3Driver::Delete(absl::string_view path) {
  RETURN_IF_ERROR(CheckPath(Name(), path));
  const std::string key = Key(path);
  absl::StatusOr<ObjectInfo> file = store_.Head(key);
  absl::StatusOr<ObjectInfo> pending = store_.Head(s3::PendingKey(key));
  for (const absl::Status& status : {file.status(), pending.status()}) {
    if (!status.ok() && !absl::IsNotFound(status)) return status;
  }
  if (file.ok()) RETURN_IF_ERROR(store_.Delete(key));
  if (pending.ok()) RETURN_IF_ERROR(s3::DiscardPending(store_, key));
  if (file.ok() || pending.ok()) return absl::OkStatus();

  const std::string prefix = DirPrefix(path);
  ASSIGN_OR_RETURN(std::vector<s3::UploadEntry> uploads,
                   store_.ListUploads(prefix));
  for (const s3::UploadEntry& upload : uploads) {
    RETURN_IF_ERROR(store_.Abort(upload.key, upload.upload_id));
  }
  std::vector<std::string> keys;
  RETURN_IF_ERROR(
      store_.List(prefix, "", kPageSize, [&](const ObjectListing& listing) {
        for (const s3::ObjectEntry& object : listing.objects) {
          keys.push_back(object.key);
        }
        return true;
      }));
  if (keys.empty()) return NoSuchFile("delete", path);
  return store_.DeleteMany(keys);
}

absl::Status S3Driver::DeleteFiles(const std::vector<std::string>& paths) {
  std::vector<std::string> keys;
  keys.reserve(paths.size());
  for (const std::string& path : paths) {
    RETURN_IF_ERROR(CheckPath(Name(), path));
    keys.push_back(Key(path));
  }
  return store_.DeleteMany(keys);
}

absl::Status S3Driver::Walk(absl::string_view path, const WalkFn& fn) {
  RETURN_IF_ERROR(CheckPath(Name(), path, /*allow_root=*/true));
  return s3::WalkKeys(store_, path, DirPrefix(path), kPageSize, fn);
}

absl::StatusOr<std::string> S3Driver::URLFor(absl::string_view path,
                                             absl::Time expiry) {
  RETURN_IF_ERROR(CheckPath(Name(), path));
  absl::Duration valid = expiry - absl::Now();
  if (valid <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("s3: URL expiry is in the past");
  }
  return store_.client().PresignedGet(Key(path), valid);
}

namespace {

class S3DriverFactory final : public DriverFactory {
 public:
  absl::string_view Name() const override { return "s3"; }
  absl::StatusOr<StorageDriverPtr> Create(
      const DriverParams& params) const override {
    ASSIGN_OR_RETURN(s3::S3Options options,
                     s3::ParseS3Options(params, [](const char* name) {
                       return std::getenv(name);
                     }));
    ASSIGN_OR_RETURN(std::unique_ptr<S3Driver> driver,
                     S3Driver::Open(std::move(options)));
    return StorageDriverPtr(std::move(driver));
  }
};

}  // namespace

std::unique_ptr<DriverFactory> NewS3DriverFactory() {
  return std::make_unique<S3DriverFactory>();
}

}  // namespace registry::drivers
