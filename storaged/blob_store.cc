#include "storaged/blob_store.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "storaged/paths.h"
#include "storaged/sweep_fence.h"

namespace registry {
namespace {

// How long a request that stores a blob waits for a sweep of it.
constexpr absl::Duration kSweepWait = absl::Seconds(20);

absl::Status BlobUnknown(const Digest& digest, absl::string_view where) {
  return Error(absl::StatusCode::kNotFound, v1::BLOB_UNKNOWN,
               absl::StrCat("blob ", digest.ToString(), " unknown", where),
               digest.ToString());
}

// NotFound from the driver becomes BLOB_UNKNOWN; anything else passes.
absl::Status AsBlobStatus(absl::Status status, const Digest& digest) {
  if (absl::IsNotFound(status)) return BlobUnknown(digest, "");
  return status;
}

}  // namespace

absl::Status CheckLink(drivers::StorageDriver& driver, absl::string_view path,
                       const Digest& expected) {
  ASSIGN_OR_RETURN(std::string link, driver.GetContent(path));
  if (link != expected.ToString()) {
    return absl::NotFoundError(absl::StrCat("link ", path, " names ", link));
  }
  return absl::OkStatus();
}

absl::StatusOr<BlobDescriptor> BlobStore::StatData(const Digest& digest) {
  absl::StatusOr<drivers::FileInfo> info =
      driver_->Stat(paths::BlobDataPath(digest));
  if (!info.ok()) return AsBlobStatus(info.status(), digest);
  if (info->is_dir) return BlobUnknown(digest, "");
  return BlobDescriptor{digest, info->size};
}

absl::StatusOr<std::string> BlobStore::URLFor(const Digest& digest,
                                              absl::Time expiry) {
  return driver_->URLFor(paths::BlobDataPath(digest), expiry);
}

absl::StatusOr<BlobDescriptor> BlobStore::Stat(const RepositoryName& name,
                                               const Digest& digest) {
  absl::Status linked =
      CheckLink(*driver_, paths::LayerLinkPath(name, digest), digest);
  if (absl::IsNotFound(linked)) {
    return BlobUnknown(digest, absl::StrCat(" to repository ", name.str()));
  }
  RETURN_IF_ERROR(linked);
  return StatData(digest);
}

absl::StatusOr<drivers::FileReaderPtr> BlobStore::Open(
    const RepositoryName& name, const Digest& digest, int64_t offset) {
  ASSIGN_OR_RETURN(BlobDescriptor blob, Stat(name, digest));
  if (offset < 0 || offset > blob.size) {
    return Error(absl::StatusCode::kOutOfRange, v1::RANGE_INVALID,
                 absl::StrCat("offset ", offset, " outside blob of ", blob.size,
                              " bytes"),
                 absl::StrCat(offset));
  }
  absl::StatusOr<drivers::FileReaderPtr> reader =
      driver_->Reader(paths::BlobDataPath(digest), offset);
  if (!reader.ok()) return AsBlobStatus(reader.status(), digest);
  return reader;
}

absl::StatusOr<BlobDescriptor> BlobStore::Claim(const Digest& digest,
                                                bool wait) {
  // A read-only store takes no pushes to protect, and writes nothing.
  if (!touch_) return StatData(digest);
  RETURN_IF_ERROR(TouchBlob(*driver_, digest));
  ASSIGN_OR_RETURN(bool marked, MarkedForSweep(*driver_, digest));
  if (marked) {
    absl::Status held = TouchExclusively(
        *driver_, digest, wait ? kSweepWait : absl::ZeroDuration());
    if (absl::IsAborted(held)) {
      if (!wait) return BlobUnknown(digest, " (a collection is deleting it)");
      return absl::UnavailableError(
          absl::StrCat("blob ", digest.ToString(),
                       " is being collected; retry in a moment"));
    }
    RETURN_IF_ERROR(held);
  }
  return StatData(digest);
}

absl::StatusOr<BlobDescriptor> BlobStore::ClaimLinked(
    const RepositoryName& name, const Digest& digest) {
  RETURN_IF_ERROR(Stat(name, digest).status());
  return Claim(digest, /*wait=*/false);
}

absl::StatusOr<BlobDescriptor> BlobStore::StatAndTouch(
    const RepositoryName& name, const Digest& digest) {
  ASSIGN_OR_RETURN(BlobDescriptor blob, Stat(name, digest));
  absl::StatusOr<BlobDescriptor> claimed = Claim(digest, /*wait=*/false);
  if (claimed.ok() || absl::IsNotFound(claimed.status())) return claimed;
  Log(LogLevel::kWarn, "blobs", "could not claim a blob for a HEAD",
      {{"digest", digest.ToString()},
       {"error", std::string(claimed.status().message())}});
  return blob;
}

absl::StatusOr<BlobDescriptor> BlobStore::Link(const RepositoryName& name,
                                               const Digest& digest) {
  ASSIGN_OR_RETURN(BlobDescriptor blob, Claim(digest, /*wait=*/false));
  RETURN_IF_ERROR(driver_->PutContent(paths::LayerLinkPath(name, digest),
                                      digest.ToString()));
  return blob;
}

absl::StatusOr<BlobDescriptor> BlobStore::IngestAndLink(
    const RepositoryName& name, const Digest& digest,
    const std::function<absl::Status()>& ingest) {
  absl::Status claimed = Claim(digest, /*wait=*/true).status();
  if (!claimed.ok() && !absl::IsNotFound(claimed)) return claimed;
  absl::Status linked;
  std::thread linker([&] {
    linked = driver_->PutContent(paths::LayerLinkPath(name, digest),
                                 digest.ToString());
  });
  absl::Status ingested = ingest();
  linker.join();
  RETURN_IF_ERROR(ingested);
  RETURN_IF_ERROR(linked);
  return StatData(digest);
}

absl::StatusOr<BlobDescriptor> BlobStore::Mount(
    const RepositoryName& name, const Digest& digest,
    const absl::optional<RepositoryName>& from) {
  if (from.has_value()) RETURN_IF_ERROR(Stat(*from, digest).status());
  return Link(name, digest);
}

absl::Status BlobStore::Unlink(const RepositoryName& name,
                               const Digest& digest) {
  RETURN_IF_ERROR(Stat(name, digest).status());
  return AsBlobStatus(driver_->Delete(paths::LayerLinkPath(name, digest)),
                      digest);
}

bool BlobStore::StoredWithSize(const Digest& digest, int64_t size) {
  absl::StatusOr<BlobDescriptor> stored = StatData(digest);
  if (!stored.ok()) return false;
  if (stored->size == size) return true;
  Log(LogLevel::kError, "blobs",
      "stored blob does not have its verified size; replacing it",
      {{"digest", digest.ToString()},
       {"stored_size", stored->size},
       {"verified_size", size}});
  return false;
}

absl::Status BlobStore::Ingest(absl::string_view src, const Digest& digest,
                               int64_t size) {
  if (StoredWithSize(digest, size)) {
    absl::Status removed = driver_->Delete(src);
    return absl::IsNotFound(removed) ? absl::OkStatus() : removed;
  }
  return driver_->Move(src, paths::BlobDataPath(digest));
}

absl::Status BlobStore::PutSmall(const Digest& digest,
                                 absl::string_view content) {
  if (StoredWithSize(digest, static_cast<int64_t>(content.size()))) {
    return absl::OkStatus();
  }
  return driver_->PutContent(paths::BlobDataPath(digest), content);
}

absl::StatusOr<std::string> BlobStore::GetSmall(const Digest& digest) {
  absl::StatusOr<std::string> content =
      driver_->GetContent(paths::BlobDataPath(digest));
  if (!content.ok()) return AsBlobStatus(content.status(), digest);
  return content;
}

}  // namespace registry
