// Resumable uploads. Bytes are appended to _uploads/<id>/data as they
// arrive and hashed on the way in; the SHA-256 state is saved beside the
// data after each write, so Commit never re-reads the data and any process
// on the same store can continue an upload another one started. Should a
// process die between appending and saving the state, the next writer
// hashes the unhashed tail (at most one write's worth) before going on.
// Thread-safe; safe with other processes on one store, provided a client
// does not write to one upload from two places at once (the digest check
// at Commit refuses the result if it does).
#ifndef REGISTRY_STORAGED_UPLOAD_STORE_H_
#define REGISTRY_STORAGED_UPLOAD_STORE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "common/sha256.h"
#include "drivers/driver.h"
#include "storaged/blob_store.h"
#include "storaged/names.h"

namespace registry {

struct UploadState {
  std::string id;
  int64_t offset = 0;
  absl::Time started_at;
};

// An open upload: appends bytes and hashes them. Not thread-safe.
class UploadWriter {
 public:
  // Appends `data` at the current offset.
  absl::Status Append(absl::string_view data);
  // Makes the bytes durable.
  absl::Status Sync();
  // Makes the bytes durable and saves the hash state (for a later writer).
  absl::Status Finish();
  int64_t offset() const { return writer_->Size(); }
  const Sha256Hasher& hasher() const { return hasher_; }

 private:
  friend class UploadStore;
  UploadWriter(drivers::StorageDriver* driver, RepositoryName name,
               std::string id, drivers::FileWriterPtr writer,
               Sha256Hasher hasher)
      : driver_(driver),
        name_(std::move(name)),
        id_(std::move(id)),
        writer_(std::move(writer)),
        hasher_(std::move(hasher)) {}

  drivers::StorageDriver* driver_;
  RepositoryName name_;
  std::string id_;
  drivers::FileWriterPtr writer_;
  Sha256Hasher hasher_;
};

class UploadStore {
 public:
  // `driver` and `blobs` must outlive the store.
  UploadStore(drivers::StorageDriver* driver, BlobStore* blobs)
      : driver_(driver), blobs_(blobs) {}

  // Begins an upload at offset 0.
  absl::StatusOr<UploadState> Start(const RepositoryName& name);

  // Opens the upload for appending. When `expected_offset` is set and
  // differs from the upload's offset: OutOfRange (RANGE_INVALID, subject =
  // the current offset). NotFound (BLOB_UPLOAD_UNKNOWN) for unknown ids.
  absl::StatusOr<std::unique_ptr<UploadWriter>> OpenWriter(
      const RepositoryName& name, absl::string_view id,
      absl::optional<int64_t> expected_offset);

  // The upload's offset and start time. NotFound (BLOB_UPLOAD_UNKNOWN).
  absl::StatusOr<UploadState> Status(const RepositoryName& name,
                                     absl::string_view id);

  // Appends `final_chunk` (at `final_offset` when set), verifies `digest`
  // and `size` (when set), stores the blob, links it and removes the
  // upload. InvalidArgument (DIGEST_INVALID / SIZE_INVALID) on a mismatch,
  // keeping the upload.
  absl::StatusOr<BlobDescriptor> Commit(const RepositoryName& name,
                                        absl::string_view id,
                                        const Digest& digest,
                                        absl::optional<int64_t> size,
                                        absl::string_view final_chunk,
                                        absl::optional<int64_t> final_offset);

  // Removes the upload. NotFound (BLOB_UPLOAD_UNKNOWN).
  absl::Status Cancel(const RepositoryName& name, absl::string_view id);

  // Removes uploads started before `cutoff` (only counts them when
  // `dry_run`); returns how many.
  absl::StatusOr<int> PurgeOlderThan(absl::Time cutoff, bool dry_run = false);

 private:
  // Commit of an upload without data whose final chunk is the whole blob:
  // stored at its address directly, not through the upload's data file.
  absl::StatusOr<BlobDescriptor> CommitWhole(const RepositoryName& name,
                                             absl::string_view id,
                                             const Digest& digest,
                                             absl::optional<int64_t> size,
                                             absl::string_view content);

  // NotFound (BLOB_UPLOAD_UNKNOWN) unless the upload exists.
  absl::StatusOr<absl::Time> StartedAt(const RepositoryName& name,
                                       absl::string_view id);
  // The hash of the first `size` bytes of the upload's data.
  absl::StatusOr<Sha256Hasher> RestoreHash(const RepositoryName& name,
                                           absl::string_view id, int64_t size);

  drivers::StorageDriver* const driver_;
  BlobStore* const blobs_;
};

}  // namespace registry

#endif  // REGISTRY_STORAGED_UPLOAD_STORE_H_
