// Content-addressed blobs and their per-repository links, on a driver.
// Blob data is immutable once in place; a repository sees a blob only
// through its link. Thread-safe; safe with other processes on one store.
#ifndef REGISTRY_STORAGED_BLOB_STORE_H_
#define REGISTRY_STORAGED_BLOB_STORE_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/optional.h"
#include "common/digest.h"
#include "common/names.h"
#include "drivers/driver.h"

namespace registry {

struct BlobDescriptor {
  Digest digest;
  int64_t size = 0;
};

class BlobStore {
 public:
  // `driver` must outlive the store. Without `touch` (a read-only store)
  // a claim is a StatData.
  explicit BlobStore(drivers::StorageDriver* driver, bool touch = true)
      : driver_(driver), touch_(touch) {}

  // The blob as linked in `name`. NotFound (BLOB_UNKNOWN) when unlinked or
  // its data is gone.
  absl::StatusOr<BlobDescriptor> Stat(const RepositoryName& name,
                                      const Digest& digest);

  // A URL from which clients may GET the blob's data until `expiry`.
  // Unimplemented when the driver has none.
  absl::StatusOr<std::string> URLFor(const Digest& digest, absl::Time expiry);

  // The blob in the store, linked anywhere or nowhere. NotFound (BLOB_UNKNOWN).
  absl::StatusOr<BlobDescriptor> StatData(const Digest& digest);

  // Claims the stored blob for a use a collection must respect (see
  // sweep_fence.h): makes it young, then checks that no sweep is deleting
  // it. NotFound (BLOB_UNKNOWN) when absent or being deleted. With `wait`
  // (for callers about to store the content anyway) a sweep of it is waited
  // out, up to 20 s (then Unavailable), and NotFound means absent.
  absl::StatusOr<BlobDescriptor> Claim(const Digest& digest, bool wait);

  // Stat, then Claim without waiting: for requests that lead to a manifest
  // naming the blob (a manifest PUT's references).
  absl::StatusOr<BlobDescriptor> ClaimLinked(const RepositoryName& name,
                                             const Digest& digest);

  // As ClaimLinked, for a client's HEAD: when the claim cannot be written
  // (a full disk), the blob is still answered, unclaimed.
  absl::StatusOr<BlobDescriptor> StatAndTouch(const RepositoryName& name,
                                              const Digest& digest);

  // A reader of a linked blob from `offset`. NotFound (BLOB_UNKNOWN);
  // OutOfRange (RANGE_INVALID) beyond the end.
  absl::StatusOr<drivers::FileReaderPtr> Open(const RepositoryName& name,
                                              const Digest& digest,
                                              int64_t offset);

  // Claims a stored blob and links it into `name`. NotFound (BLOB_UNKNOWN)
  // if not stored or being deleted.
  absl::StatusOr<BlobDescriptor> Link(const RepositoryName& name,
                                      const Digest& digest);

  // Links into `name` a blob linked in `from` (or stored at all when `from`
  // is unset), without copying. NotFound (BLOB_UNKNOWN).
  absl::StatusOr<BlobDescriptor> Mount(
      const RepositoryName& name, const Digest& digest,
      const absl::optional<RepositoryName>& from);

  // Removes the blob's link from `name`. NotFound (BLOB_UNKNOWN).
  absl::Status Unlink(const RepositoryName& name, const Digest& digest);

  // Claims the blob (waiting out a sweep of it), then runs `ingest` (which
  // puts the content of `digest` in the store, e.g. Ingest or PutSmall) and
  // links the blob into `name`, making both durable at the same time: no
  // order is needed, since a link whose data is not there yet reads as
  // BLOB_UNKNOWN.
  absl::StatusOr<BlobDescriptor> IngestAndLink(
      const RepositoryName& name, const Digest& digest,
      const std::function<absl::Status()>& ingest);

  // Moves the file at driver path `src` (whose `size` bytes were verified
  // to hash to `digest`) to the blob's content address, or removes it if the
  // blob is already stored. A stored blob of another size is damaged (it
  // cannot hash to `digest`): it is replaced, and the repair logged.
  // REQUIRES: the blob claimed with `wait` (IngestAndLink does).
  absl::Status Ingest(absl::string_view src, const Digest& digest,
                      int64_t size);

  // Stores small content (a manifest) at its address unless present with
  // its size (a stored blob of another size is replaced, as by Ingest).
  // REQUIRES: the blob claimed with `wait`.
  absl::Status PutSmall(const Digest& digest, absl::string_view content);

  // Reads small stored content. NotFound (BLOB_UNKNOWN).
  absl::StatusOr<std::string> GetSmall(const Digest& digest);

 private:
  // Whether the blob is stored with `size` bytes (logs when its size
  // differs).
  bool StoredWithSize(const Digest& digest, int64_t size);

  drivers::StorageDriver* const driver_;
  const bool touch_;
};

// Reads a link file and checks that it names `expected`. NotFound when the
// link is missing or names another digest.
absl::Status CheckLink(drivers::StorageDriver& driver, absl::string_view path,
                       const Digest& expected);

}  // namespace registry

#endif  // REGISTRY_STORAGED_BLOB_STORE_H_
