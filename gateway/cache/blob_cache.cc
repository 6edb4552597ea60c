#include "gateway/cache/blob_cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/digest.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/sha256.h"
#include "drivers/filesystem/errno_status.h"
#include "drivers/filesystem/local_file.h"

namespace registry::gateway {
namespace {

constexpr char kRequests[] = "registry_blob_cache_requests_total";
constexpr char kBytes[] = "registry_blob_cache_bytes";
constexpr char kEvictions[] = "registry_blob_cache_evictions_total";
constexpr char kCorrupt[] = "registry_blob_cache_corrupt_total";
constexpr char kFetched[] = "registry_blob_cache_fetched_bytes_total";
constexpr absl::string_view kSha256 = "sha256:";
// A Get retries when the entry it found went away (evicted, or removed as
// corrupt) before it could open it; more than this means it keeps losing.
constexpr int kGetAttempts = 4;

void DeclareCacheMetrics() {
  Metrics& metrics = Metrics::Global();
  metrics.Declare(kRequests, "counter",
                  "Blob cache lookups by result: hit, fill (fetched here), "
                  "wait (shared another request's fill), bypass (served "
                  "without the cache).");
  metrics.Declare(kBytes, "gauge", "Bytes held by cached and filling blobs.");
  metrics.Declare(kEvictions, "counter",
                  "Cached blobs evicted (least recently used).");
  metrics.Declare(kCorrupt, "counter",
                  "Cached files that no longer hashed to their digest and "
                  "were removed.");
  metrics.Declare(kFetched, "counter", "Bytes fetched from storaged to fill.");
}

void CountRequest(absl::string_view result) {
  Metrics::Global().Add(kRequests, {{"result", result}}, 1);
}

bool IsHex(absl::string_view text, size_t length) {
  return text.size() == length &&
         std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// The entries of `dir` other than "." and "..".
absl::StatusOr<std::vector<std::string>> ListDir(const std::string& dir) {
  DIR* handle = opendir(dir.c_str());
  if (handle == nullptr) return drivers::ErrnoToStatus(errno, "opendir", dir);
  std::vector<std::string> names;
  while (struct dirent* entry = readdir(handle)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  closedir(handle);
  return names;
}

// A file found at start.
struct Found {
  std::string digest;
  int64_t size;
  int64_t mtime_ns;
};

// The blobs under `root` (blobs/sha256), removing what is not one.
absl::StatusOr<std::vector<Found>> FindBlobs(const std::string& root) {
  std::vector<Found> found;
  absl::StatusOr<std::vector<std::string>> prefixes = ListDir(root);
  if (!prefixes.ok()) return prefixes.status();
  for (const std::string& prefix : *prefixes) {
    const std::string dir = absl::StrCat(root, "/", prefix);
    absl::StatusOr<std::vector<std::string>> names = ListDir(dir);
    if (!names.ok()) continue;  // A stray file, not a prefix directory.
    for (const std::string& name : *names) {
      const std::string path = absl::StrCat(dir, "/", name);
      struct stat st;
      if (!IsHex(prefix, 2) || !IsHex(name, 64) ||
          !absl::StartsWith(name, prefix) || stat(path.c_str(), &st) != 0 ||
          !S_ISREG(st.st_mode)) {
        unlink(path.c_str());
        continue;
      }
      found.push_back({absl::StrCat(kSha256, name), st.st_size,
                       static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 +
                           st.st_mtim.tv_nsec});
    }
  }
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
    return a.mtime_ns < b.mtime_ns;
  });
  return found;
}

}  // namespace

struct BlobCache::Fill {
  uint64_t id = 0;
  absl::Notification done;
  absl::Status status;  // Set before `done`.
};

absl::StatusOr<size_t> CachedBlob::Read(int64_t offset, char* buffer,
                                        size_t length) const {
  while (true) {
    ssize_t n = pread(file_.fd(), buffer, length, offset);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) {
      return drivers::ErrnoToStatus(errno, "read", "cached blob");
    }
  }
}

absl::StatusOr<std::unique_ptr<BlobCache>> BlobCache::Open(
    BlobCacheOptions options) {
  if (options.path.empty() || options.max_bytes <= 0) {
    return absl::InvalidArgumentError(
        "the blob cache needs a path and maxbytes above 0");
  }
  DeclareCacheMetrics();
  const std::string blobs = absl::StrCat(options.path, "/blobs/sha256");
  const std::string tmp = absl::StrCat(options.path, "/tmp");
  absl::Status made = drivers::MakeDirs(blobs, /*durable=*/false);
  if (made.ok()) made = drivers::MakeDirs(tmp, /*durable=*/false);
  if (!made.ok()) return made;
  const std::string lock_path = absl::StrCat(options.path, "/lock");
  int lock_fd = open(lock_path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (lock_fd < 0) return drivers::ErrnoToStatus(errno, "open", lock_path);
  if (flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    close(lock_fd);
    if (err == EWOULDBLOCK) {
      return absl::FailedPreconditionError(
          absl::StrCat("blob cache ", options.path,
                       " is in use by another gateway; give each gateway "
                       "a directory of its own"));
    }
    return drivers::ErrnoToStatus(err, "flock", lock_path);
  }
  std::unique_ptr<BlobCache> cache(new BlobCache(std::move(options), lock_fd));
  // Fills that a crash interrupted.
  absl::StatusOr<std::vector<std::string>> leftovers = ListDir(tmp);
  if (!leftovers.ok()) return leftovers.status();
  for (const std::string& name : *leftovers) {
    unlink(absl::StrCat(tmp, "/", name).c_str());
  }
  absl::StatusOr<std::vector<Found>> found = FindBlobs(blobs);
  if (!found.ok()) return found.status();
  absl::MutexLock lock(&cache->mu_);
  for (const Found& blob : *found) {  // Oldest first: newest ends in front.
    Entry& entry = cache->entries_[blob.digest];
    entry.size = blob.size;
    cache->lru_.push_front(blob.digest);
    entry.lru = cache->lru_.begin();
    cache->bytes_ += blob.size;
  }
  cache->Reserve(0);
  Metrics::Global().Set(kBytes, {}, static_cast<double>(cache->bytes_));
  Log(LogLevel::kInfo, "blob_cache",
      absl::StrCat("blob cache ", cache->options_.path, ": ",
                   cache->entries_.size(), " blobs, ", cache->bytes_,
                   " bytes of ", cache->options_.max_bytes));
  return cache;
}

BlobCache::BlobCache(BlobCacheOptions options, int lock_fd)
    : options_(std::move(options)), lock_fd_(lock_fd) {}

BlobCache::~BlobCache() { close(lock_fd_); }

std::string BlobCache::PathOf(const std::string& digest) const {
  const std::string hex = digest.substr(kSha256.size());
  return absl::StrCat(options_.path, "/blobs/sha256/", hex.substr(0, 2), "/",
                      hex);
}

int64_t BlobCache::bytes() const {
  absl::MutexLock lock(&mu_);
  return bytes_;
}

absl::StatusOr<std::shared_ptr<CachedBlob>> BlobCache::Get(
    const std::string& digest, int64_t size, const Fetcher& fetch) {
  if (!Digest::Parse(digest).ok() || size < 0) {
    CountRequest("bypass");
    return absl::InvalidArgumentError(
        absl::StrCat("not a cacheable blob: ", digest));
  }
  if (size > options_.max_bytes) {
    CountRequest("bypass");
    return absl::ResourceExhaustedError(
        absl::StrCat("blob of ", size, " bytes exceeds the cache's maxbytes ",
                     options_.max_bytes));
  }
  for (int attempt = 0; attempt < kGetAttempts; ++attempt) {
    std::shared_ptr<Fill> fill;
    bool mine = false;
    {
      absl::MutexLock lock(&mu_);
      auto it = entries_.find(digest);
      if (it == entries_.end()) {
        if (!Reserve(size)) {
          CountRequest("bypass");
          return absl::ResourceExhaustedError(
              "the blob cache is full of fills in flight");
        }
        Entry& entry = entries_[digest];
        entry.size = size;
        entry.fill = std::make_shared<Fill>();
        entry.fill->id = next_fill_++;
        bytes_ += size;
        Metrics::Global().Set(kBytes, {}, static_cast<double>(bytes_));
        fill = entry.fill;
        mine = true;
      } else {
        fill = it->second.fill;
      }
    }
    if (mine) {
      CountRequest("fill");
      return FillEntry(digest, size, fetch, std::move(fill));
    }
    if (fill != nullptr) {
      fill->done.WaitForNotification();
      if (!fill->status.ok()) {
        CountRequest("bypass");
        return fill->status;
      }
    }
    absl::StatusOr<std::shared_ptr<CachedBlob>> blob = OpenReady(digest);
    if (blob.ok()) {
      CountRequest(fill != nullptr ? "wait" : "hit");
      return blob;
    }
    if (!absl::IsNotFound(blob.status())) {
      CountRequest("bypass");
      return blob.status();
    }
  }
  CountRequest("bypass");
  return absl::UnavailableError(
      absl::StrCat("cached blob ", digest, " kept going away"));
}

absl::StatusOr<std::shared_ptr<CachedBlob>> BlobCache::Find(
    const std::string& digest) {
  if (!Digest::Parse(digest).ok()) {
    return absl::NotFoundError("not a cacheable digest");
  }
  absl::StatusOr<std::shared_ptr<CachedBlob>> blob = OpenReady(digest);
  if (blob.ok()) CountRequest("hit");
  return blob;
}

absl::StatusOr<std::shared_ptr<CachedBlob>> BlobCache::OpenReady(
    const std::string& digest) {
  const std::string path = PathOf(digest);
  absl::StatusOr<OpenFile> file = absl::NotFoundError("not cached");
  FileStamp verified;
  int64_t size = 0;
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(digest);
    if (it == entries_.end() || it->second.fill != nullptr) {
      return absl::NotFoundError("not cached");
    }
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    verified = it->second.verified;
    size = it->second.size;
    // Opened under the lock, so an eviction cannot unlink it in between.
    file = OpenForRead(path);
    if (absl::IsNotFound(file.status())) RemoveLocked(digest);
  }
  if (!file.ok()) return file.status();
  if (file->stamp() == verified) {
    return std::make_shared<CachedBlob>(*std::move(file));
  }
  // Found at start, or changed since it was verified: hash it again.
  absl::StatusOr<std::string> hash = HashFile(*file, path);
  if (!hash.ok()) return hash.status();
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(digest);
  const bool same_entry = it != entries_.end() && it->second.fill == nullptr &&
                          it->second.verified == verified;
  if (*hash == digest && file->stamp().size == size) {
    if (same_entry) it->second.verified = file->stamp();
    return std::make_shared<CachedBlob>(*std::move(file));
  }
  Log(LogLevel::kWarn, "blob_cache",
      absl::StrCat("cached file ", path, " hashes to ", *hash, " (",
                   file->stamp().size, " bytes), not ", digest, " (", size,
                   " bytes); removed, to be fetched again"));
  Metrics::Global().Add(kCorrupt, {}, 1);
  if (same_entry) RemoveLocked(digest);
  return absl::NotFoundError("cached file was corrupt");
}

absl::StatusOr<std::shared_ptr<CachedBlob>> BlobCache::FillEntry(
    const std::string& digest, int64_t size, const Fetcher& fetch,
    std::shared_ptr<Fill> fill) {
  const std::string path = PathOf(digest);
  const std::string tmp =
      absl::StrCat(options_.path, "/tmp/", fill->id, "-", getpid(), "-",
                   digest.substr(kSha256.size()));
  absl::Status status;
  FileStamp stamp;
  int fd = open(tmp.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) {
    status = drivers::ErrnoToStatus(errno, "open", tmp);
  } else {
    Sha256Hasher hasher;
    int64_t written = 0;
    absl::Status write_status;
    status = fetch([&](absl::string_view data) {
      if (written + static_cast<int64_t>(data.size()) > size) {
        write_status = absl::DataLossError(
            absl::StrCat("blob ", digest, " has more than ", size, " bytes"));
        return false;
      }
      write_status = drivers::WriteAll(fd, data.data(), data.size(), tmp);
      if (!write_status.ok()) return false;
      hasher.Update(data);
      written += static_cast<int64_t>(data.size());
      return true;
    });
    if (!write_status.ok()) status = write_status;  // The cause, if any.
    if (status.ok() && written != size) {
      status = absl::DataLossError(absl::StrCat(
          "blob ", digest, " ended after ", written, " of ", size, " bytes"));
    }
    if (status.ok() && hasher.Finish().ToString() != digest) {
      status = absl::DataLossError(absl::StrCat("fetched bytes hash to ",
                                                hasher.Finish().ToString(),
                                                ", not ", digest));
    }
    if (status.ok()) {
      status = drivers::MakeDirs(drivers::LocalParent(path),
                                 /*durable=*/false);
    }
    if (status.ok() && rename(tmp.c_str(), path.c_str()) != 0) {
      status = drivers::ErrnoToStatus(errno, "rename", path);
    }
    if (status.ok()) {
      // After the rename, which moves the change time.
      absl::StatusOr<FileStamp> after = StampOf(fd, path);
      if (after.ok()) stamp = *after;
      status = after.status();
    }
    close(fd);
    if (!status.ok()) unlink(tmp.c_str());
    Metrics::Global().Add(kFetched, {}, static_cast<double>(written));
  }
  {
    absl::MutexLock lock(&mu_);
    Entry& entry = entries_[digest];
    entry.fill = nullptr;
    if (status.ok()) {
      entry.verified = stamp;
      lru_.push_front(digest);
      entry.lru = lru_.begin();
    } else {
      bytes_ -= size;
      entries_.erase(digest);
      Metrics::Global().Set(kBytes, {}, static_cast<double>(bytes_));
    }
  }
  fill->status = status;
  fill->done.Notify();
  if (!status.ok()) {
    Log(LogLevel::kWarn, "blob_cache",
        absl::StrCat("filling ", digest,
                     " failed (served without the "
                     "cache): ",
                     status.ToString()));
    return status;
  }
  return OpenReady(digest);
}

bool BlobCache::Reserve(int64_t size) {
  while (bytes_ + size > options_.max_bytes && !lru_.empty()) {
    const std::string victim = lru_.back();
    RemoveLocked(victim);
    Metrics::Global().Add(kEvictions, {}, 1);
  }
  return bytes_ + size <= options_.max_bytes;
}

void BlobCache::RemoveLocked(const std::string& digest) {
  auto it = entries_.find(digest);
  if (it == entries_.end() || it->second.fill != nullptr) return;
  unlink(PathOf(digest).c_str());
  lru_.erase(it->second.lru);
  bytes_ -= it->second.size;
  entries_.erase(it);
  Metrics::Global().Set(kBytes, {}, static_cast<double>(bytes_));
}

}  // namespace registry::gateway
