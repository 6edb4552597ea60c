#include "storaged/upload_store.h"

#include <openssl/rand.h>

#include <algorithm>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "drivers/path_check.h"
#include "storaged/paths.h"

namespace registry {
namespace {

constexpr size_t kCatchUpChunk = 1 << 20;
constexpr const char* kTimeFormat = "%Y-%m-%dT%H:%M:%E9SZ";
// How long a request waits for another one to finish with an upload.
constexpr absl::Duration kLockWait = absl::Seconds(20);

absl::Status UploadUnknown(absl::string_view id,
                           absl::string_view why = "unknown") {
  return Error(absl::StatusCode::kNotFound, v1::BLOB_UPLOAD_UNKNOWN,
               absl::StrCat("upload \"", id.substr(0, 100), "\" ", why),
               id.substr(0, 100));
}

absl::Status UploadBusy(absl::string_view id) {
  return Error(absl::StatusCode::kAborted, v1::UPLOAD_BUSY,
               absl::StrCat("upload ", id,
                            " is being written or committed by another "
                            "request; retry when that one has finished"),
               id);
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

absl::Status UploadWriter::CheckLock() {
  absl::Status held = lock_->Check();
  return absl::IsAborted(held) ? UploadBusy(id_) : held;
}

absl::Status UploadWriter::Append(absl::string_view data) {
  RETURN_IF_ERROR(CheckLock());
  RETURN_IF_ERROR(writer_->Write(data));
  hasher_.Update(data);
  return absl::OkStatus();
}

absl::Status UploadWriter::Sync() { return writer_->Commit(); }

absl::Status UploadWriter::Finish() {
  RETURN_IF_ERROR(Sync());
  RETURN_IF_ERROR(CheckLock());
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

absl::StatusOr<drivers::PathLockPtr> UploadStore::Lock(
    const RepositoryName& name, absl::string_view id) {
  RETURN_IF_ERROR(StartedAt(name, id).status());
  absl::StatusOr<drivers::PathLockPtr> lock =
      driver_->Lock(paths::UploadLockPath(name, id), kLockWait);
  if (absl::IsNotFound(lock.status())) return UploadUnknown(id);
  if (absl::IsAborted(lock.status())) return UploadBusy(id);
  RETURN_IF_ERROR(lock.status());
  // Cancelled or purged while this request waited?
  RETURN_IF_ERROR(StartedAt(name, id).status());
  return lock;
}

absl::StatusOr<absl::optional<UploadStore::Committed>>
UploadStore::ReadCommitted(const RepositoryName& name, absl::string_view id) {
  absl::StatusOr<std::string> text =
      driver_->GetContent(paths::UploadCommittedPath(name, id));
  if (absl::IsNotFound(text.status())) return absl::nullopt;
  RETURN_IF_ERROR(text.status());
  std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(*text, absl::MaxSplits(' ', 1));
  absl::StatusOr<Digest> digest = Digest::Parse(parts.first);
  int64_t size = 0;
  if (!digest.ok() || !absl::SimpleAtoi(parts.second, &size)) {
    return absl::DataLossError(
        absl::StrCat("commit marker of upload ", id, " is unreadable"));
  }
  return Committed{*std::move(digest), size};
}

absl::StatusOr<std::unique_ptr<UploadWriter>> UploadStore::OpenWriter(
    const RepositoryName& name, absl::string_view id,
    absl::optional<int64_t> expected_offset) {
  ASSIGN_OR_RETURN(drivers::PathLockPtr lock, Lock(name, id));
  ASSIGN_OR_RETURN(absl::optional<Committed> committed,
                   ReadCommitted(name, id));
  if (committed.has_value()) return UploadUnknown(id, "is already committed");
  return OpenLocked(name, id, expected_offset, std::move(lock));
}

absl::StatusOr<std::unique_ptr<UploadWriter>> UploadStore::OpenLocked(
    const RepositoryName& name, absl::string_view id,
    absl::optional<int64_t> expected_offset, drivers::PathLockPtr lock) {
  // Data gone but hashed (a commit of an earlier version died between
  // moving the data and removing the upload): nothing left to continue.
  absl::Status data = driver_->Stat(paths::UploadDataPath(name, id)).status();
  if (absl::IsNotFound(data)) {
    std::vector<int64_t> hashed =
        HashStateOffsets(*driver_, paths::UploadHashStatesPath(name, id));
    if (!hashed.empty() && hashed.back() > 0) {
      return UploadUnknown(id, "has lost its data; start a new upload");
    }
  } else {
    RETURN_IF_ERROR(data);
  }
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
  return std::unique_ptr<UploadWriter>(
      new UploadWriter(driver_, name, std::string(id), std::move(lock),
                       std::move(*writer), std::move(hasher)));
}

absl::StatusOr<UploadState> UploadStore::Status(const RepositoryName& name,
                                                absl::string_view id) {
  ASSIGN_OR_RETURN(absl::Time started, StartedAt(name, id));
  ASSIGN_OR_RETURN(absl::optional<Committed> committed,
                   ReadCommitted(name, id));
  if (committed.has_value()) return UploadUnknown(id, "is already committed");
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
  ASSIGN_OR_RETURN(drivers::PathLockPtr lock, Lock(name, id));
  ASSIGN_OR_RETURN(absl::optional<Committed> committed,
                   ReadCommitted(name, id));
  if (committed.has_value()) {
    // A retried or concurrent commit, or one that crashed: finish it and
    // answer as it did. Nothing is appended.
    ASSIGN_OR_RETURN(BlobDescriptor blob, Finish(name, id, *committed));
    if (committed->digest != digest) {
      return UploadUnknown(
          id, absl::StrCat("was committed as ", committed->digest.ToString()));
    }
    return blob;
  }
  if (!final_chunk.empty() && final_offset.value_or(0) == 0) {
    absl::StatusOr<drivers::FileInfo> data =
        driver_->Stat(paths::UploadDataPath(name, id));
    if (absl::IsNotFound(data.status()) || (data.ok() && data->size == 0)) {
      return CommitWhole(name, id, digest, size, final_chunk);
    }
    RETURN_IF_ERROR(data.status());
  }
  ASSIGN_OR_RETURN(std::unique_ptr<UploadWriter> writer,
                   OpenLocked(name, id, absl::nullopt, std::move(lock)));
  ASSIGN_OR_RETURN(Committed decided, Decide(*writer, id, digest, size,
                                             final_chunk, final_offset));
  RETURN_IF_ERROR(writer->CheckLock());
  RETURN_IF_ERROR(driver_->PutContent(
      paths::UploadCommittedPath(name, id),
      absl::StrCat(decided.digest.ToString(), " ", decided.size)));
  return Finish(name, id, decided);  // Still under the writer's lock.
}

absl::StatusOr<UploadStore::Committed> UploadStore::Decide(
    UploadWriter& writer, absl::string_view id, const Digest& digest,
    absl::optional<int64_t> size, absl::string_view final_chunk,
    absl::optional<int64_t> final_offset) {
  // The hash covers exactly the data file's bytes: this process hashed
  // every byte since the restored state, and no one else can write while
  // the lock is held.
  const Committed stored{writer.hasher().Finish(), writer.offset()};
  const int64_t chunk_size = static_cast<int64_t>(final_chunk.size());
  // The chunk already landed (a retry of a commit that died after
  // appending it): the data alone is the content the digest names, and
  // ends with the chunk.
  bool already_appended = !final_chunk.empty() && stored.digest == digest &&
                          stored.size >= chunk_size;
  if (already_appended) {
    ASSIGN_OR_RETURN(already_appended,
                     DataEndsWith(writer.name_, id, stored.size, final_chunk));
  }
  if (final_offset.has_value() && *final_offset != stored.size &&
      !(already_appended && *final_offset + chunk_size == stored.size)) {
    return Error(absl::StatusCode::kOutOfRange, v1::RANGE_INVALID,
                 absl::StrCat("upload ", id, " is at offset ", stored.size,
                              ", not ", *final_offset),
                 absl::StrCat(stored.size));
  }
  if (already_appended) {
    RETURN_IF_ERROR(Verify(digest, stored.digest, size, stored.size));
    return stored;
  }
  // Verified before a byte is appended: a mismatch leaves the upload as
  // it was.
  Sha256Hasher whole = writer.hasher();
  whole.Update(final_chunk);
  const Committed decided{whole.Finish(), stored.size + chunk_size};
  RETURN_IF_ERROR(Verify(digest, decided.digest, size, decided.size));
  if (!final_chunk.empty()) {
    RETURN_IF_ERROR(writer.Append(final_chunk));
    // The data is ingested next: no later writer needs the hash state.
    RETURN_IF_ERROR(writer.Sync());
  }
  return decided;
}

absl::StatusOr<bool> UploadStore::DataEndsWith(const RepositoryName& name,
                                               absl::string_view id,
                                               int64_t size,
                                               absl::string_view tail) {
  const int64_t start = size - static_cast<int64_t>(tail.size());
  ASSIGN_OR_RETURN(drivers::FileReaderPtr reader,
                   driver_->Reader(paths::UploadDataPath(name, id), start));
  std::string bytes(tail.size(), '\0');
  size_t done = 0;
  while (done < bytes.size()) {
    ASSIGN_OR_RETURN(size_t n,
                     reader->Read(bytes.data() + done, bytes.size() - done));
    if (n == 0) return false;
    done += n;
  }
  return bytes == tail;
}

absl::StatusOr<BlobDescriptor> UploadStore::Finish(const RepositoryName& name,
                                                   absl::string_view id,
                                                   const Committed& committed) {
  const std::string data = paths::UploadDataPath(name, id);
  absl::StatusOr<drivers::FileInfo> left = driver_->Stat(data);
  if (!left.ok() && !absl::IsNotFound(left.status())) return left.status();
  if (left.ok() && left->size != committed.size) {
    return absl::DataLossError(absl::StrCat(
        "upload ", id, " holds ", left->size, " bytes but was committed as ",
        committed.size, " bytes of ", committed.digest.ToString()));
  }
  ASSIGN_OR_RETURN(BlobDescriptor blob,
                   left.ok() ? blobs_->IngestAndLink(name, committed.digest,
                                                     [&] {
                                                       return blobs_->Ingest(
                                                           data,
                                                           committed.digest,
                                                           committed.size);
                                                     })
                             : blobs_->Link(name, committed.digest));
  absl::Status removed = driver_->Delete(paths::UploadHashStatesPath(name, id));
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
  // Marked after the fact: until then a retry stores the same bytes again.
  RETURN_IF_ERROR(driver_->PutContent(
      paths::UploadCommittedPath(name, id),
      absl::StrCat(digest.ToString(), " ", content.size())));
  absl::Status removed = driver_->Delete(paths::UploadDataPath(name, id));
  if (!removed.ok() && !absl::IsNotFound(removed)) return removed;
  return blob;
}

absl::Status UploadStore::Cancel(const RepositoryName& name,
                                 absl::string_view id) {
  ASSIGN_OR_RETURN(drivers::PathLockPtr lock, Lock(name, id));
  ASSIGN_OR_RETURN(absl::optional<Committed> committed,
                   ReadCommitted(name, id));
  if (committed.has_value()) return UploadUnknown(id, "is already committed");
  absl::Status removed = driver_->Delete(paths::UploadPath(name, id));
  return absl::IsNotFound(removed) ? UploadUnknown(id) : removed;
}

absl::Status UploadStore::Forget(const RepositoryName& name,
                                 absl::string_view id) {
  ASSIGN_OR_RETURN(drivers::PathLockPtr lock, Lock(name, id));
  ASSIGN_OR_RETURN(absl::optional<Committed> committed,
                   ReadCommitted(name, id));
  if (!committed.has_value()) {
    return absl::FailedPreconditionError(
        absl::StrCat("upload ", id, " is not committed"));
  }
  absl::Status removed = driver_->Delete(paths::UploadPath(name, id));
  return absl::IsNotFound(removed) ? absl::OkStatus() : removed;
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
    // Skip an upload that a request holds; it is purged next time.
    absl::StatusOr<drivers::PathLockPtr> lock =
        driver_->Lock(absl::StrCat(path, "/lock"), absl::ZeroDuration());
    if (lock.ok() && driver_->Delete(path).ok()) ++purged;
  }
  return purged;
}

}  // namespace registry
