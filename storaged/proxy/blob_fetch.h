// Blobs fetched from an upstream on a cache miss: streamed to every reader
// while they arrive, then stored. One fetch per repository and digest per
// process: later requests for the same blob in the same repository join the
// running fetch (a request in another repository, whose upstream may not
// have the blob, does not get its bytes).
//
// The fetch appends what arrives to a spool file (unlinked: a crash leaves
// nothing) that readers follow, hashing it on the way. Readers never get
// the last byte before the whole was verified (every byte the upstream
// announced, hashing to the digest): a blob that does not hash to its
// digest reaches no client whole. Only then is the spool copied into an
// upload in the repository and committed like any upload (UploadStore:
// hashed again, so what lands at the digest's address is verified where it
// lands; a failure cancels it, a crash leaves it to upload purging). The
// store's copy costs the waiting clients nothing. A fetch goes on when its
// readers leave, so the cache is warm for the next one.
// Thread-safe.
#ifndef REGISTRY_STORAGED_PROXY_BLOB_FETCH_H_
#define REGISTRY_STORAGED_PROXY_BLOB_FETCH_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/digest.h"
#include "common/names.h"
#include "drivers/driver.h"
#include "storaged/upload_store.h"

namespace registry::proxy {

// One blob on its way in. Readers block until the bytes they want arrive.
class BlobFetch : public std::enable_shared_from_this<BlobFetch> {
 public:
  ~BlobFetch();

  // The blob's size once the upstream announced it (or the fetch ended).
  // The fetch's error if it failed first.
  absl::StatusOr<int64_t> WaitForSize();

  // A reader of the blob from `offset` that follows the fetch.
  drivers::FileReaderPtr Reader(int64_t offset);

  // The fetch's outcome, once it has ended.
  absl::Status Wait();

 private:
  friend class BlobFetcher;
  friend class SpoolReader;
  explicit BlobFetch(int spool_fd) : spool_fd_(spool_fd) {}

  // Reads up to `n` bytes at `offset`, waiting for them: 0 at the end.
  absl::StatusOr<size_t> ReadAt(int64_t offset, char* buf, size_t n);
  // Where readers may read up to now: every byte once the fetch ended
  // well, all but the last received before.
  int64_t Readable() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return verified_ || (ended_ && status_.ok()) ? received_ : received_ - 1;
  }

  // Fetcher side.
  absl::Status Append(const char* data, size_t n);
  void SetSize(int64_t size);
  // Every byte arrived and they hash to the digest: readers may have the
  // last one before the commit makes the blob durable.
  void Verified();
  void End(absl::Status status);

  const int spool_fd_;
  absl::Mutex mu_;
  int64_t received_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t size_ ABSL_GUARDED_BY(mu_) = -1;  // -1 until known.
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  bool verified_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
};

// Where a fetch gets its bytes: streams the blob's body to `sink` after
// telling `size` (or -1) to `on_size`. Errors as the upstream's.
using BlobSource = std::function<absl::Status(
    const std::function<void(int64_t size)>& on_size,
    const std::function<absl::Status(const char*, size_t)>& sink)>;

class BlobFetcher {
 public:
  // `uploads` must outlive the fetcher. Spool files go to `spool_dir`.
  BlobFetcher(UploadStore* uploads, std::string spool_dir)
      : uploads_(uploads), spool_dir_(std::move(spool_dir)) {}
  // Stops running fetches (their readers get Unavailable) and waits for
  // them.
  ~BlobFetcher();

  // The running fetch of `digest` into `name`, or a new one from `source`.
  absl::StatusOr<std::shared_ptr<BlobFetch>> Fetch(const RepositoryName& name,
                                                   const Digest& digest,
                                                   BlobSource source);

  // Fetches running now.
  int Running();

 private:
  void Run(RepositoryName name, Digest digest, BlobSource source,
           std::shared_ptr<BlobFetch> fetch);
  // Receives what `source` sends into the fetch's spool, hashing it: OK
  // when it is all there and hashes to `digest`.
  absl::Status Receive(const Digest& digest, const BlobSource& source,
                       BlobFetch& fetch);
  // Receive, then (readers served) copies the spool into an upload in
  // `name` and commits it as the blob.
  absl::Status Store(const RepositoryName& name, const Digest& digest,
                     const BlobSource& source, BlobFetch& fetch);

  UploadStore* const uploads_;
  const std::string spool_dir_;
  absl::Mutex mu_;
  // By repository name and digest.
  std::map<std::pair<std::string, Digest>, std::shared_ptr<BlobFetch>> running_
      ABSL_GUARDED_BY(mu_);
  int threads_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace registry::proxy

#endif  // REGISTRY_STORAGED_PROXY_BLOB_FETCH_H_
