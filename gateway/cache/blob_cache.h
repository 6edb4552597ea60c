// The gateway's blob cache (cache.blobs): blob bytes kept on local disk by
// digest, so a blob pulled by many clients crosses storaged once per
// gateway. Blob content is immutable by digest, so a cached copy never goes
// stale; whether a repository may serve the blob is still asked of storaged
// on every request (the caller's Stat), so deletes and access control hold.
//
// Integrity: a copy is served only after its bytes hashed to its digest.
// A fill is hashed as it is written and renamed into place only when it
// matches; a file found on disk at start, or whose size, inode or change
// time differs from when it was last verified, is hashed again before use
// and removed (then fetched again) when it does not match. A crash leaves
// at most a temporary file, removed at the next start.
//
// Layout: <path>/blobs/sha256/<first two hex>/<hex>, fills in <path>/tmp,
// and <path>/lock, held (flock) by the one gateway using the directory.
// Thread-safe.
#ifndef REGISTRY_GATEWAY_CACHE_BLOB_CACHE_H_
#define REGISTRY_GATEWAY_CACHE_BLOB_CACHE_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "gateway/cache/cache_file.h"

namespace registry::gateway {

struct BlobCacheOptions {
  std::string path;  // cache.blobs.path
  // cache.blobs.maxbytes: cached and filling bytes never exceed this; a
  // blob larger than it is never cached.
  int64_t max_bytes = 0;
};

// An open, verified cached blob. The file stays readable while this lives,
// even if the entry is evicted meanwhile.
class CachedBlob {
 public:
  explicit CachedBlob(OpenFile file) : file_(std::move(file)) {}
  // Reads up to `length` bytes at `offset` into `buffer`; the count read
  // (0 at the end), or an error.
  absl::StatusOr<size_t> Read(int64_t offset, char* buffer,
                              size_t length) const;
  int64_t size() const { return file_.stamp().size; }

 private:
  OpenFile file_;
};

class BlobCache {
 public:
  // Writes the blob's bytes, in order, to `write` (which returns false to
  // stop); used to fill a missing entry.
  using Fetcher = std::function<absl::Status(
      const std::function<bool(absl::string_view)>& write)>;

  // Takes the directory (created if missing): FailedPrecondition if another
  // gateway holds it. Removes unfinished fills and indexes the blobs found,
  // oldest first, evicting beyond max_bytes.
  static absl::StatusOr<std::unique_ptr<BlobCache>> Open(
      BlobCacheOptions options);
  ~BlobCache();

  // The blob `digest` ("sha256:<hex>") of `size` bytes, from disk, or
  // fetched with `fetch` when missing. Concurrent calls for one digest
  // share one fill. An error (a full disk, a fetch that failed or did not
  // hash to `digest`, a blob larger than max_bytes) means: serve it
  // without the cache.
  absl::StatusOr<std::shared_ptr<CachedBlob>> Get(const std::string& digest,
                                                  int64_t size,
                                                  const Fetcher& fetch);

  // The blob when it is cached and verified; NotFound otherwise. Never
  // fetches (for Range requests, which should not wait for a whole fill).
  absl::StatusOr<std::shared_ptr<CachedBlob>> Find(const std::string& digest);

  // Bytes held by cached and filling blobs.
  int64_t bytes() const;

 private:
  struct Fill;
  struct Entry {
    int64_t size = 0;
    // Set while the blob is being fetched; cleared when it is in place.
    std::shared_ptr<Fill> fill;
    // The file as last verified; unknown (size -1) for a file found at
    // start until it is first hashed.
    FileStamp verified;
    std::list<std::string>::iterator lru;  // Valid when fill is null.
  };
  BlobCache(BlobCacheOptions options, int lock_fd);
  // Where the blob `digest` ("sha256:<hex>") is kept.
  std::string PathOf(const std::string& digest) const;
  // Opens a ready entry's file and checks it against its stamp, hashing it
  // again when the stamp differs; removes the entry when it fails.
  absl::StatusOr<std::shared_ptr<CachedBlob>> OpenReady(
      const std::string& digest);
  absl::StatusOr<std::shared_ptr<CachedBlob>> FillEntry(
      const std::string& digest, int64_t size, const Fetcher& fetch,
      std::shared_ptr<Fill> fill);
  // Makes room for `size` more bytes by evicting least recently used
  // entries; false if fills in flight hold too much.
  bool Reserve(int64_t size) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RemoveLocked(const std::string& digest)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const BlobCacheOptions options_;
  const int lock_fd_;
  mutable absl::Mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  // Ready entries, most recently used first.
  std::list<std::string> lru_ ABSL_GUARDED_BY(mu_);
  int64_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_fill_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace registry::gateway

#endif  // REGISTRY_GATEWAY_CACHE_BLOB_CACHE_H_
