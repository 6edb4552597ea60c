// The S3 driver's FileWriter: bytes go to S3 in equal parts of a multipart
// upload as each part fills; Commit() saves the bytes after the last full
// part in the file's pending object (pending_file.h), so a writer in any
// process resumes where the last Commit() left off. Bytes written after the
// last Commit() are lost when the writer is destroyed. Not thread-safe.
#ifndef REGISTRY_DRIVERS_S3_S3_WRITER_H_
#define REGISTRY_DRIVERS_S3_S3_WRITER_H_

#include <string>

#include "absl/status/statusor.h"
#include "drivers/driver.h"
#include "drivers/s3/object_store.h"
#include "drivers/s3/pending_file.h"

namespace registry::drivers::s3 {

class S3Writer final : public FileWriter {
 public:
  // A writer of the file at `key`. With `append`, continues its unfinished
  // content, or a finished object's (copied server-side into a new upload);
  // without, starts empty. New uploads use parts of `part_size` bytes.
  static absl::StatusOr<FileWriterPtr> Open(ObjectStore& store, std::string key,
                                            bool append, int64_t part_size);

  absl::Status Write(absl::string_view data) override;
  int64_t Size() const override { return file_.Size(); }
  absl::Status Commit() override;
  absl::Status Cancel() override;

 private:
  S3Writer(ObjectStore& store, std::string key, PendingFile file,
           bool replaces_object);

  // Continues the finished object at `key` of `size` bytes.
  absl::Status Reopen(int64_t size);
  // Uploads the first part_size bytes of the tail as the next part.
  absl::Status FlushPart();

  ObjectStore& store_;
  const std::string key_;
  PendingFile file_;
  // A finished object at key_ holds older content: removed at Commit().
  bool replaces_object_;
  bool cancelled_ = false;
};

}  // namespace registry::drivers::s3

#endif  // REGISTRY_DRIVERS_S3_S3_WRITER_H_
