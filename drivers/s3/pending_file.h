// How the S3 driver stores a file that a writer has committed but not
// finished: a multipart upload of full, equal parts (part_size bytes each)
// plus a small "pending" object beside the file's key ("<key>~pending", a
// name no driver path can have) holding the bytes after the last full part
// and, as metadata, the upload id, the part count and the part size. The
// pending object is written last, so it always describes parts that exist;
// parts beyond its count are ignored. Finishing completes the upload (or
// PUTs the bytes when no part was needed) and removes the pending object.
#ifndef REGISTRY_DRIVERS_S3_PENDING_FILE_H_
#define REGISTRY_DRIVERS_S3_PENDING_FILE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "drivers/s3/object_store.h"

namespace registry::drivers::s3 {

struct PendingFile {
  std::string upload_id;  // Empty until the first full part.
  int64_t part_size = 0;
  std::vector<std::string> etags;  // Of parts 1..n.
  std::string tail;                // The bytes after part n.

  int64_t Size() const {
    return static_cast<int64_t>(etags.size()) * part_size +
           static_cast<int64_t>(tail.size());
  }
};

// "<key>~pending".
std::string PendingKey(absl::string_view key);
// Whether `key` is a pending object's key; if so, the file's key.
bool IsPendingKey(absl::string_view key, absl::string_view* file_key);

// Size and time of the unfinished file at `key` from its pending object
// (one HEAD). NotFound when there is none.
absl::StatusOr<ObjectInfo> PendingInfo(ObjectStore& store,
                                       const std::string& key);

// The unfinished file at `key`: its pending object, and the ETags of its
// parts from a listing of the multipart upload. NotFound when there is none;
// DataLoss when a part it counts is missing or of the wrong size.
absl::StatusOr<PendingFile> LoadPending(ObjectStore& store,
                                        const std::string& key);

// Writes the pending object describing `file` (durable when S3 answers).
absl::Status SavePending(ObjectStore& store, const std::string& key,
                         const PendingFile& file);

// Turns the unfinished file at `key` into a plain object. NotFound when
// there is none.
absl::Status FinishPending(ObjectStore& store, const std::string& key);

// Aborts the unfinished file's upload and removes its pending object. OK
// when there is none.
absl::Status DiscardPending(ObjectStore& store, const std::string& key);

}  // namespace registry::drivers::s3

#endif  // REGISTRY_DRIVERS_S3_PENDING_FILE_H_
