#include "drivers/s3/pending_file.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace registry::drivers::s3 {
namespace {

constexpr absl::string_view kSuffix = "~pending";
constexpr char kUploadIdMeta[] = "upload-id";
constexpr char kPartsMeta[] = "parts";
constexpr char kPartSizeMeta[] = "part-size";

// Part count and size from a pending object's metadata.
absl::Status ReadCounts(const ObjectInfo& info, const std::string& key,
                        int64_t* parts, int64_t* part_size) {
  if (!absl::SimpleAtoi(info.Meta(kPartsMeta), parts) ||
      !absl::SimpleAtoi(info.Meta(kPartSizeMeta), part_size) || *parts < 0 ||
      *part_size <= 0) {
    return absl::DataLossError(
        absl::StrCat("s3: ", PendingKey(key), " has malformed metadata"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string PendingKey(absl::string_view key) {
  return absl::StrCat(key, kSuffix);
}

bool IsPendingKey(absl::string_view key, absl::string_view* file_key) {
  if (!absl::EndsWith(key, kSuffix)) return false;
  *file_key = key.substr(0, key.size() - kSuffix.size());
  return true;
}

absl::StatusOr<ObjectInfo> PendingInfo(ObjectStore& store,
                                       const std::string& key) {
  ASSIGN_OR_RETURN(ObjectInfo info, store.Head(PendingKey(key)));
  int64_t parts = 0, part_size = 0;
  RETURN_IF_ERROR(ReadCounts(info, key, &parts, &part_size));
  info.size += parts * part_size;
  return info;
}

absl::StatusOr<PendingFile> LoadPending(ObjectStore& store,
                                        const std::string& key) {
  ObjectInfo info;
  PendingFile file;
  ASSIGN_OR_RETURN(file.tail, store.GetWithInfo(PendingKey(key), &info));
  int64_t parts = 0;
  RETURN_IF_ERROR(ReadCounts(info, key, &parts, &file.part_size));
  file.upload_id = info.Meta(kUploadIdMeta);
  if (parts == 0) return file;
  if (file.upload_id.empty()) {
    return absl::DataLossError(
        absl::StrCat("s3: ", PendingKey(key), " counts parts but no upload"));
  }
  absl::StatusOr<std::vector<PartEntry>> listed =
      store.ListParts(key, file.upload_id);
  if (absl::IsNotFound(listed.status())) {
    return absl::DataLossError(absl::StrCat(
        "s3: multipart upload ", file.upload_id, " of ", key, " is gone"));
  }
  RETURN_IF_ERROR(listed.status());
  for (const PartEntry& part : *listed) {
    if (part.number != static_cast<int>(file.etags.size()) + 1) continue;
    if (part.number > parts) break;
    if (part.size != file.part_size) {
      return absl::DataLossError(absl::StrCat("s3: part ", part.number, " of ",
                                              key, " has ", part.size,
                                              " bytes, not ", file.part_size));
    }
    file.etags.push_back(part.etag);
  }
  if (static_cast<int64_t>(file.etags.size()) != parts) {
    return absl::DataLossError(absl::StrCat("s3: upload of ", key, " has ",
                                            file.etags.size(), " of its ",
                                            parts, " parts"));
  }
  return file;
}

absl::Status SavePending(ObjectStore& store, const std::string& key,
                         const PendingFile& file) {
  return store.Put(PendingKey(key), file.tail,
                   {{kUploadIdMeta, file.upload_id},
                    {kPartsMeta, absl::StrCat(file.etags.size())},
                    {kPartSizeMeta, absl::StrCat(file.part_size)}});
}

absl::Status FinishPending(ObjectStore& store, const std::string& key) {
  ASSIGN_OR_RETURN(PendingFile file, LoadPending(store, key));
  if (file.upload_id.empty()) {
    RETURN_IF_ERROR(store.Put(key, file.tail));
  } else {
    if (!file.tail.empty()) {
      ASSIGN_OR_RETURN(
          std::string etag,
          store.UploadPart(key, file.upload_id,
                           static_cast<int>(file.etags.size()) + 1, file.tail));
      file.etags.push_back(std::move(etag));
    }
    absl::Status completed = store.Complete(key, file.upload_id, file.etags);
    // Another process may have finished it first.
    if (!completed.ok() &&
        !(absl::IsNotFound(completed) && store.Head(key).ok())) {
      return completed;
    }
  }
  return store.Delete(PendingKey(key));
}

absl::Status DiscardPending(ObjectStore& store, const std::string& key) {
  absl::StatusOr<ObjectInfo> info = store.Head(PendingKey(key));
  if (absl::IsNotFound(info.status())) return absl::OkStatus();
  RETURN_IF_ERROR(info.status());
  std::string upload_id = info->Meta(kUploadIdMeta);
  if (!upload_id.empty()) RETURN_IF_ERROR(store.Abort(key, upload_id));
  return store.Delete(PendingKey(key));
}

}  // namespace registry::drivers::s3
