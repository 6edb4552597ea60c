// Resumable uploads. Bytes are appended to _uploads/<id>/data as they
// arrive and hashed on the way in; the SHA-256 state is saved beside the
// data after each write, so Commit never re-reads the data and any process
// on the same store can continue an upload another one started. Should a
// process die between appending and saving the state, the next writer
// hashes the unhashed tail before going on.
//
// The upload rule: an upload's state changes only under its lock
// (_uploads/<id>/lock, StorageDriver::Lock), so at most one writer or
// committer acts on it at any moment, in any process sharing the store.
// Commit decides under the lock by writing _uploads/<id>/committed (digest
// and size, after verifying the hash of exactly the bytes in the data file)
// and only then moves the data to its address; whoever finds the marker
// later finishes that move (a crash mid-commit rolls forward) and answers as
// the first commit did. A committed upload takes no more bytes.
// Thread-safe; safe with other processes on one store.
#ifndef REGISTRY_STORAGED_UPLOAD_STORE_H_
#define REGISTRY_STORAGED_UPLOAD_STORE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "common/names.h"
#include "common/sha256.h"
#include "drivers/driver.h"
#include "storaged/blob_store.h"

namespace registry {

struct UploadState {
  std::string id;
  int64_t offset = 0;
  absl::Time started_at;
};

// An open upload: appends bytes and hashes them, holding the upload's lock
// until destroyed. Not thread-safe.
class UploadWriter {
 public:
  // Appends `data` at the current offset. Aborted (UPLOAD_BUSY) if the lock
  // was lost.
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
               std::string id, drivers::PathLockPtr lock,
               drivers::FileWriterPtr writer, Sha256Hasher hasher)
      : driver_(driver),
        name_(std::move(name)),
        id_(std::move(id)),
        lock_(std::move(lock)),
        writer_(std::move(writer)),
        hasher_(std::move(hasher)) {}

  // Aborted (UPLOAD_BUSY) unless the lock is still held.
  absl::Status CheckLock();

  drivers::StorageDriver* driver_;
  RepositoryName name_;
  std::string id_;
  drivers::PathLockPtr lock_;  // Released after the writer closes.
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

  // Opens the upload for appending, taking its lock (waiting a while for
  // another request to finish with it: Aborted, UPLOAD_BUSY, if it does
  // not). When `expected_offset` is set and differs from the upload's
  // offset: OutOfRange (RANGE_INVALID, subject = the current offset).
  // NotFound (BLOB_UPLOAD_UNKNOWN) for unknown or committed ids.
  absl::StatusOr<std::unique_ptr<UploadWriter>> OpenWriter(
      const RepositoryName& name, absl::string_view id,
      absl::optional<int64_t> expected_offset);

  // The upload's offset and start time. NotFound (BLOB_UPLOAD_UNKNOWN).
  absl::StatusOr<UploadState> Status(const RepositoryName& name,
                                     absl::string_view id);

  // Under the upload's lock: appends `final_chunk` (at `final_offset` when
  // set), verifies `digest` and `size` (when set), stores the blob, links it
  // and removes the upload's data. InvalidArgument (DIGEST_INVALID /
  // SIZE_INVALID) on a mismatch, leaving the upload as it was. A commit of an
  // upload whose data already hashes to `digest` (a retry after the final
  // chunk landed) stores it without appending. A commit of an upload
  // already committed as `digest` answers that blob again (without
  // appending anything); as another digest, NotFound (BLOB_UPLOAD_UNKNOWN).
  absl::StatusOr<BlobDescriptor> Commit(const RepositoryName& name,
                                        absl::string_view id,
                                        const Digest& digest,
                                        absl::optional<int64_t> size,
                                        absl::string_view final_chunk,
                                        absl::optional<int64_t> final_offset);

  // Removes the upload, under its lock. NotFound (BLOB_UPLOAD_UNKNOWN).
  absl::Status Cancel(const RepositoryName& name, absl::string_view id);

  // Removes what is left of a committed upload (the record that answers a
  // retried commit), under its lock, for callers that never retry.
  // FailedPrecondition unless committed.
  absl::Status Forget(const RepositoryName& name, absl::string_view id);

  // Removes uploads started before `cutoff` (only counts them when
  // `dry_run`); returns how many. Uploads in use are skipped.
  absl::StatusOr<int> PurgeOlderThan(absl::Time cutoff, bool dry_run = false);

 private:
  // What _uploads/<id>/committed records.
  struct Committed {
    Digest digest;
    int64_t size = 0;
  };

  // Takes the upload's lock and checks, under it, that the upload exists.
  // NotFound (BLOB_UPLOAD_UNKNOWN); Aborted (UPLOAD_BUSY).
  absl::StatusOr<drivers::PathLockPtr> Lock(const RepositoryName& name,
                                            absl::string_view id);
  // The commit marker, if the upload was committed.
  absl::StatusOr<absl::optional<Committed>> ReadCommitted(
      const RepositoryName& name, absl::string_view id);
  // Opens the data for appending. REQUIRES: `lock` is the upload's.
  absl::StatusOr<std::unique_ptr<UploadWriter>> OpenLocked(
      const RepositoryName& name, absl::string_view id,
      absl::optional<int64_t> expected_offset, drivers::PathLockPtr lock);
  // Verifies that the data plus `final_chunk` hashes to `digest` (and has
  // `size`), then appends the chunk; or finds the chunk already appended
  // by a commit that died. Returns what the commit stores. REQUIRES: the
  // upload's lock (held by `writer`).
  absl::StatusOr<Committed> Decide(UploadWriter& writer, absl::string_view id,
                                   const Digest& digest,
                                   absl::optional<int64_t> size,
                                   absl::string_view final_chunk,
                                   absl::optional<int64_t> final_offset);
  // Whether the first `size` bytes of the upload's data end with `tail`.
  absl::StatusOr<bool> DataEndsWith(const RepositoryName& name,
                                    absl::string_view id, int64_t size,
                                    absl::string_view tail);
  // Moves verified data to its address, links it and removes the upload's
  // data and hash states; idempotent, so it also finishes a commit that
  // crashed. REQUIRES: the upload's lock, and its marker written.
  absl::StatusOr<BlobDescriptor> Finish(const RepositoryName& name,
                                        absl::string_view id,
                                        const Committed& committed);
  // Commit of an upload without data whose final chunk is the whole blob:
  // stored at its address directly, not through the upload's data file.
  // REQUIRES: the upload's lock.
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
