#include "storaged/upload_store.h"

#include <openssl/rand.h>

#include <algorithm>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "drivers/path_check.h"
#include "storaged/paths.h"

namespace registry {
namespace {

constexpr size_t kCatchUpChunk = 1 << 20;
constexpr const char* kTimeFormat = "%Y-%m-%dT%H:%M:%E9SZ";

absl::Status UploadUnknown(absl::string_view id) {
  return Error(absl::StatusCode::kNotFound, v1::BLOB_UPLOAD_UNKNOWN,
               absl::StrCat("upload \"", id.substr(0, 100), "\" unknown"),
               id.substr(0, 100));
}

// Upload ids are UUIDs (as Distribution's); anything else is unknown.
bool IsUploadId(absl::string_view id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    char c = id[i];
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

absl::StatusOr<std::string> NewUploadId() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof(b)) != 1) {
    return absl::InternalError("no randomness for an upload id");
  }
  b[6] = (b[6] & 0x0f) | 0x40;  // Version 4.
  b[8] = (b[8] & 0x3f) | 0x80;  // Variant 1.
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) id.push_back('-');
    id.push_back(kHex[b[i] >> 4]);
    id.push_back(kHex[b[i] & 0xf]);
  }
  return id;
}

// Offsets of saved hash states, ascending (an empty list when none).
std::vector<int64_t> HashStateOffsets(drivers::StorageDriver& driver,
                                      const std::string& dir) {
  std::vector<int64_t> offsets;
  absl::StatusOr<std::vector<std::string>> names = driver.List(dir);
  if (!names.ok()) return offsets;
  for (const std::string& path : *names) {
    int64_t offset;
    if (absl::SimpleAtoi(path.substr(path.rfind('/') + 1), &offset)) {
      offsets.push_back(offset);
    }
  }
  std::sort(offsets.begin(), offsets.end());
  return offsets;
}

// DIGEST_INVALID / SIZE_INVALID unless the content matches the claims.
absl::Status Verify(const Digest& expected, const Digest& actual,
                    absl::optional<int64_t> expected_size,
                    int64_t actual_size) {
  if (actual != expected) {
    return Error(absl::StatusCode::kInvalidArgument, v1::DIGEST_INVALID,
                 absl::StrCat("uploaded content has digest ", actual.ToString(),
                              ", not ", expected.ToString()),
                 expected.ToString());
  }
  if (expected_size.has_value() && *expected_size != actual_size) {
    return Error(absl::StatusCode::kInvalidArgument, v1::SIZE_INVALID,
                 absl::StrCat("uploaded content has ", actual_size,
                              " bytes, not ", *expected_size),
                 absl::StrCat(*expected_size));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status UploadWriter::Append(absl::string_view data) {
  RETURN_IF_ERROR(writer_->Write(data));
  hasher_.Update(data);
  return absl::OkStatus();
}

absl::Status UploadWriter::Sync() { return writer_->Commit(); }

absl::Status UploadWriter::Finish() {
  RETURN_IF_ERROR(Sync());
  int64_t offset = writer_->Size();
  // The state only saves re-reading data after a restart, so it need not be
  // durable; older states stay until the upload ends (the newest wins).
  return driver_->PutContentVolatile(
      paths::UploadHashStatePath(name_, id_, offset), hasher_.SaveState());
}

absl::StatusOr<UploadState> UploadStore::Start(const RepositoryName& name) {
  ASSIGN_OR_RETURN(std::string id, NewUploadId());
  absl::Time now = absl::Now();
  // Not durable: after a crash an upload that never received data may be
  // forgotten, and its client starts again. The data file appears with the
  // first write.
  RETURN_IF_ERROR(driver_->PutContentVolatile(
      paths::UploadStartedAtPath(name, id),
      absl::FormatTime(kTimeFormat, now, absl::UTCTimeZone())));
  return UploadState{id, 0, now};
}

absl::StatusOr<absl::Time> UploadStore::StartedAt(const RepositoryName& name,
                                                  absl::string_view id) {
  if (!IsUploadId(id)) return UploadUnknown(id);
  absl::StatusOr<std::string> text =
      driver_->GetContent(paths::UploadStartedAtPath(name, id));
  if (absl::IsNotFound(text.status())) return UploadUnknown(id);
  RETURN_IF_ERROR(text.status());
  absl::Time started;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, *text, &started, &error)) {
    started = absl::UnixEpoch();  // Unreadable: treat as old.
  }
  return started;
}

absl::StatusOr<Sha256Hasher> UploadStore::RestoreHash(
    const RepositoryName& name, absl::string_view id, int64_t size) {
  Sha256Hasher hasher;
  std::vector<int64_t> offsets =
      HashStateOffsets(*driver_, paths::UploadHashStatesPath(name, id));
  for (auto it = offsets.rbegin(); it != offsets.rend(); ++it) {
    if (*it > size) continue;
    absl::StatusOr<std::string> state =
        driver_->GetContent(paths::UploadHashStatePath(name, id, *it));
    if (!state.ok()) continue;
    absl::StatusOr<Sha256Hasher> restored = Sha256Hasher::FromState(*state);
    if (restored.ok() && restored->bytes() == static_cast<uint64_t>(*it)) {
      hasher = *restored;
      break;
    }
  }
  if (hasher.bytes() == static_cast<uint64_t>(size)) return hasher;
  // Hash the tail that no saved state covers.
  ASSIGN_OR_RETURN(drivers::FileReaderPtr reader,
                   driver_->Reader(paths::UploadDataPath(name, id),
                                   static_cast<int64_t>(hasher.bytes())));
  std::string buf(kCatchUpChunk, '\0');
  while (hasher.bytes() < static_cast<uint64_t>(size)) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(
        buf.size(), static_cast<uint64_t>(size) - hasher.bytes()));
    ASSIGN_OR_RETURN(size_t n, reader->Read(buf.data(), want));
    if (n == 0) return absl::DataLossError("upload data shorter than its size");
    hasher.Update(absl::string_view(buf.data(), n));
  }
  return hasher;
}

absl::StatusOr<std::unique_ptr<UploadWriter>> UploadStore::OpenWriter(
    const RepositoryName& name, absl::string_view id,
    absl::optional<int64_t> expected_offset) {
  RETURN_IF_ERROR(StartedAt(name, id).status());
  absl::StatusOr<drivers::FileWriterPtr> writer =
      driver_->Writer(paths::UploadDataPath(name, id), /*append=*/true);
  RETURN_IF_ERROR(writer.status());
  int64_t size = (*writer)->Size();
  if (expected_offset.has_value() && *expected_offset != size) {
    return Error(absl::StatusCode::kOutOfRange, v1::RANGE_INVALID,
                 absl::StrCat("upload ", id, " is at offset ", size, ", not ",
                              *expected_offset),
                 absl::StrCat(size));
  }
  ASSIGN_OR_RETURN(Sha256Hasher hasher, RestoreHash(name, id, size));
  return std::unique_ptr<UploadWriter>(new UploadWriter(
      driver_, name, std::string(id), std::move(*writer), std::move(hasher)));
}

absl::StatusOr<UploadState> UploadStore::Status(const RepositoryName& name,
                                                absl::string_view id) {
  ASSIGN_OR_RETURN(absl::Time started, StartedAt(name, id));
  absl::StatusOr<drivers::FileInfo> data =
      driver_->Stat(paths::UploadDataPath(name, id));
  if (absl::IsNotFound(data.status())) {  // No byte written yet.
    return UploadState{std::string(id), 0, started};
  }
  RETURN_IF_ERROR(data.status());
  return UploadState{std::string(id), data->size, started};
}

absl::StatusOr<BlobDescriptor> UploadStore::Commit(
    const RepositoryName& name, absl::string_view id, const Digest& digest,
    absl::optional<int64_t> size, absl::string_view final_chunk,
    absl::optional<int64_t> final_offset) {
  if (!final_chunk.empty() && final_offset.value_or(0) == 0) {
    ASSIGN_OR_RETURN(UploadState state, Status(name, id));
    if (state.offset == 0) {
      return CommitWhole(name, id, digest, size, final_chunk);
    }
  }
  ASSIGN_OR_RETURN(std::unique_ptr<UploadWriter> writer,
                   OpenWriter(name, id, final_offset));
  if (!final_chunk.empty()) {
    RETURN_IF_ERROR(writer->Append(final_chunk));
    // The data is ingested next: no later writer needs the hash state.
    RETURN_IF_ERROR(writer->Sync());
  }
  Digest actual = writer->hasher().Finish();
  int64_t actual_size = writer->offset();
  writer.reset();
  RETURN_IF_ERROR(Verify(digest, actual, size, actual_size));
  ASSIGN_OR_RETURN(
      BlobDescriptor blob, blobs_->IngestAndLink(name, digest, [&] {
        return blobs_->Ingest(paths::UploadDataPath(name, id), digest);
      }));
  absl::Status removed = driver_->Delete(paths::UploadPath(name, id));
  if (!removed.ok() && !absl::IsNotFound(removed)) return removed;
  return blob;
}

absl::StatusOr<BlobDescriptor> UploadStore::CommitWhole(
    const RepositoryName& name, absl::string_view id, const Digest& digest,
    absl::optional<int64_t> size, absl::string_view content) {
  RETURN_IF_ERROR(Verify(digest, DigestOf(content), size,
                         static_cast<int64_t>(content.size())));
  ASSIGN_OR_RETURN(BlobDescriptor blob,
                   blobs_->IngestAndLink(name, digest, [&] {
                     return blobs_->PutSmall(digest, content);
                   }));
  absl::Status removed = driver_->Delete(paths::UploadPath(name, id));
  if (!removed.ok() && !absl::IsNotFound(removed)) return removed;
  return blob;
}

absl::Status UploadStore::Cancel(const RepositoryName& name,
                                 absl::string_view id) {
  RETURN_IF_ERROR(StartedAt(name, id).status());
  absl::Status removed = driver_->Delete(paths::UploadPath(name, id));
  return absl::IsNotFound(removed) ? UploadUnknown(id) : removed;
}

absl::StatusOr<int> UploadStore::PurgeOlderThan(absl::Time cutoff,
                                                bool dry_run) {
  std::vector<std::string> stale;
  absl::Status walked = driver_->Walk(
      paths::RepositoriesRoot(), [&](const drivers::FileInfo& info) {
        absl::string_view path = info.path;
        if (!info.is_dir) return drivers::WalkAction::kContinue;
        absl::string_view base = path.substr(path.rfind('/') + 1);
        if (absl::EndsWith(drivers::ParentPath(path), "/_uploads")) {
          absl::StatusOr<std::string> text =
              driver_->GetContent(absl::StrCat(path, "/startedat"));
          absl::Time started = absl::UnixEpoch();
          std::string error;
          if (text.ok()) {
            absl::ParseTime(absl::RFC3339_full, *text, &started, &error);
          }
          if (started < cutoff) stale.emplace_back(path);
          return drivers::WalkAction::kSkipDir;
        }
        if (base != "_uploads" && absl::StartsWith(base, "_")) {
          return drivers::WalkAction::kSkipDir;
        }
        return drivers::WalkAction::kContinue;
      });
  if (absl::IsNotFound(walked)) return 0;
  RETURN_IF_ERROR(walked);
  if (dry_run) return static_cast<int>(stale.size());
  int purged = 0;
  for (const std::string& path : stale) {
    if (driver_->Delete(path).ok()) ++purged;
  }
  return purged;
}

}  // namespace registry
