#include "drivers/s3/s3_writer.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace registry::drivers::s3 {

absl::StatusOr<FileWriterPtr> S3Writer::Open(ObjectStore& store,
                                             std::string key, bool append,
                                             int64_t part_size) {
  absl::StatusOr<ObjectInfo> finished = store.Head(key);
  if (!finished.ok() && !absl::IsNotFound(finished.status())) {
    return finished.status();
  }
  PendingFile empty;
  empty.part_size = part_size;
  absl::StatusOr<PendingFile> pending =
      append ? LoadPending(store, key) : absl::NotFoundError("truncated");
  if (pending.ok()) {
    // A finished object too means a writer stopped between saving its
    // pending object and removing the older content: the pending one wins.
    return FileWriterPtr(new S3Writer(store, std::move(key),
                                      *std::move(pending), finished.ok()));
  }
  if (!absl::IsNotFound(pending.status())) return pending.status();
  if (!append) RETURN_IF_ERROR(DiscardPending(store, key));
  if (!finished.ok()) {
    // As on a filesystem, the (empty) file exists once a writer is open.
    RETURN_IF_ERROR(SavePending(store, key, empty));
  }
  auto writer = std::unique_ptr<S3Writer>(
      new S3Writer(store, std::move(key), std::move(empty), finished.ok()));
  if (append && finished.ok()) RETURN_IF_ERROR(writer->Reopen(finished->size));
  return FileWriterPtr(std::move(writer));
}

S3Writer::S3Writer(ObjectStore& store, std::string key, PendingFile file,
                   bool replaces_object)
    : store_(store),
      key_(std::move(key)),
      file_(std::move(file)),
      replaces_object_(replaces_object) {}

absl::Status S3Writer::Reopen(int64_t size) {
  const int64_t full_parts = size / file_.part_size;
  if (full_parts > 0) {
    ASSIGN_OR_RETURN(file_.upload_id, store_.CreateUpload(key_));
    for (int64_t i = 0; i < full_parts; ++i) {
      ASSIGN_OR_RETURN(std::string etag,
                       store_.UploadPartCopy(
                           key_, file_.upload_id, static_cast<int>(i + 1), key_,
                           i * file_.part_size, (i + 1) * file_.part_size - 1));
      file_.etags.push_back(std::move(etag));
    }
  }
  int64_t tail_offset = full_parts * file_.part_size;
  if (tail_offset < size) {
    ASSIGN_OR_RETURN(file_.tail,
                     store_.Get(key_, tail_offset, size - tail_offset));
  }
  return absl::OkStatus();
}

absl::Status S3Writer::FlushPart() {
  if (file_.upload_id.empty()) {
    ASSIGN_OR_RETURN(file_.upload_id, store_.CreateUpload(key_));
  }
  ASSIGN_OR_RETURN(
      std::string etag,
      store_.UploadPart(
          key_, file_.upload_id, static_cast<int>(file_.etags.size()) + 1,
          absl::string_view(file_.tail).substr(0, file_.part_size)));
  file_.etags.push_back(std::move(etag));
  file_.tail.erase(0, file_.part_size);
  return absl::OkStatus();
}

absl::Status S3Writer::Write(absl::string_view data) {
  if (cancelled_) return absl::FailedPreconditionError("s3: writer cancelled");
  while (!data.empty()) {
    size_t room = static_cast<size_t>(file_.part_size) - file_.tail.size();
    size_t take = std::min(room, data.size());
    file_.tail.append(data.data(), take);
    data.remove_prefix(take);
    if (file_.tail.size() == static_cast<size_t>(file_.part_size)) {
      RETURN_IF_ERROR(FlushPart());
    }
  }
  return absl::OkStatus();
}

absl::Status S3Writer::Commit() {
  if (cancelled_) return absl::FailedPreconditionError("s3: writer cancelled");
  RETURN_IF_ERROR(SavePending(store_, key_, file_));
  if (replaces_object_) {
    RETURN_IF_ERROR(store_.Delete(key_));
    replaces_object_ = false;
  }
  return absl::OkStatus();
}

absl::Status S3Writer::Cancel() {
  cancelled_ = true;
  if (!file_.upload_id.empty()) {
    RETURN_IF_ERROR(store_.Abort(key_, file_.upload_id));
  }
  RETURN_IF_ERROR(store_.Delete(PendingKey(key_)));
  return store_.Delete(key_);
}

}  // namespace registry::drivers::s3
