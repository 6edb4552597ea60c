#include "storaged/manifest_store.h"

#include <chrono>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "storaged/paths.h"

namespace registry {
namespace {

// How long a manifest put's claims count as fresh (see Put).
constexpr auto kClaimFreshness = std::chrono::seconds(1);

absl::Status ManifestUnknown(const RepositoryName& name,
                             absl::string_view what) {
  return Error(
      absl::StatusCode::kNotFound, v1::MANIFEST_UNKNOWN,
      absl::StrCat("manifest ", what, " unknown in repository ", name.str()),
      what);
}

absl::Status BlobMissing(const Digest& digest, absl::string_view kind) {
  return Error(absl::StatusCode::kNotFound, v1::MANIFEST_BLOB_UNKNOWN,
               absl::StrCat("manifest references ", kind, " ",
                            digest.ToString(), ", which the repository lacks"),
               digest.ToString());
}

}  // namespace

absl::StatusOr<Digest> ManifestStore::Resolve(const RepositoryName& name,
                                              const Reference& reference) {
  ASSIGN_OR_RETURN(Digest digest,
                   reference.tag.has_value()
                       ? tags_->Resolve(name, *reference.tag)
                       : absl::StatusOr<Digest>(*reference.digest));
  absl::Status linked = CheckLink(
      *driver_, paths::ManifestRevisionLinkPath(name, digest), digest);
  if (absl::IsNotFound(linked)) {
    return ManifestUnknown(name, digest.ToString());
  }
  RETURN_IF_ERROR(linked);
  return digest;
}

absl::StatusOr<std::shared_ptr<const CachedManifest>> ManifestStore::Load(
    const RepositoryName& name, const Digest& digest) {
  if (auto cached = cache_.Get(digest)) return cached;
  absl::StatusOr<std::string> content = blobs_->GetSmall(digest);
  if (absl::IsNotFound(content.status())) {
    return ManifestUnknown(name, digest.ToString());
  }
  RETURN_IF_ERROR(content.status());
  // Stored manifests were validated on Put; parse for the media type only.
  absl::StatusOr<ParsedManifest> parsed = ParseManifest(*content, "");
  auto entry = std::make_shared<CachedManifest>();
  entry->media_type =
      parsed.ok() ? parsed->media_type : std::string(kOciManifest);
  entry->content = *std::move(content);
  cache_.Put(digest, entry);
  return entry;
}

absl::StatusOr<StoredManifest> ManifestStore::Get(
    const RepositoryName& name, const Reference& reference,
    const std::vector<std::string>& accept) {
  ASSIGN_OR_RETURN(Digest digest, Resolve(name, reference));
  ASSIGN_OR_RETURN(std::shared_ptr<const CachedManifest> manifest,
                   Load(name, digest));
  if (!Accepts(accept, manifest->media_type)) {
    return Error(absl::StatusCode::kNotFound, v1::MANIFEST_UNKNOWN,
                 absl::StrCat("manifest ", digest.ToString(), " is a ",
                              manifest->media_type,
                              ", which the client does not accept"),
                 digest.ToString());
  }
  return StoredManifest{digest, manifest->media_type, manifest->content};
}

absl::Status ManifestStore::ClaimBlobs(const RepositoryName& name,
                                       const ParsedManifest& parsed,
                                       const Digest& digest,
                                       References references) {
  for (const Digest& blob : parsed.blobs) {
    if (references == References::kLater) break;
    absl::Status found = blobs_->ClaimLinked(name, blob).status();
    if (absl::IsNotFound(found)) return BlobMissing(blob, "blob");
    RETURN_IF_ERROR(found);
  }
  absl::Status own = blobs_->Claim(digest, /*wait=*/true).status();
  return absl::IsNotFound(own) ? absl::OkStatus() : own;
}

absl::Status ManifestStore::CheckChildren(const RepositoryName& name,
                                          const ParsedManifest& parsed) {
  for (const Digest& child : parsed.manifests) {
    Reference ref;
    ref.digest = child;
    absl::Status found = Resolve(name, ref).status();
    if (absl::IsNotFound(found)) return BlobMissing(child, "manifest");
    RETURN_IF_ERROR(found);
  }
  return absl::OkStatus();
}

absl::StatusOr<StoredManifest> ManifestStore::Put(
    const RepositoryName& name, const Reference& reference,
    absl::string_view declared_type, absl::string_view content,
    absl::optional<Digest>* subject, References references) {
  if (static_cast<int64_t>(content.size()) > options_.max_manifest_bytes) {
    return Error(absl::StatusCode::kResourceExhausted, v1::TOO_LARGE,
                 absl::StrCat("manifest of ", content.size(),
                              " bytes exceeds the limit of ",
                              options_.max_manifest_bytes),
                 absl::StrCat(options_.max_manifest_bytes));
  }
  ASSIGN_OR_RETURN(ParsedManifest parsed,
                   ParseManifest(content, declared_type));
  Digest digest = DigestOf(content);
  if (reference.digest.has_value() && *reference.digest != digest) {
    return Error(absl::StatusCode::kInvalidArgument, v1::DIGEST_INVALID,
                 absl::StrCat("manifest has digest ", digest.ToString(),
                              ", not ", reference.digest->ToString()),
                 reference.digest->ToString());
  }
  // Claimed before anything refers to them: a collection that misses this
  // manifest sees the claims (docs/ARCHITECTURE.md, "Garbage collection").
  const auto claimed_at = std::chrono::steady_clock::now();
  RETURN_IF_ERROR(ClaimBlobs(name, parsed, digest, references));
  // Content first, then the links that make it visible.
  RETURN_IF_ERROR(blobs_->PutSmall(digest, content));
  cache_.Put(digest, std::make_shared<CachedManifest>(CachedManifest{
                         parsed.media_type, std::string(content)}));
  const std::string revision = paths::ManifestRevisionLinkPath(name, digest);
  absl::StatusOr<drivers::PathLockPtr> lock = tags_->Lock(name);
  if (absl::IsNotFound(lock.status())) {
    // The repository's first manifest: its link makes the lock's directory.
    RETURN_IF_ERROR(driver_->PutContent(revision, digest.ToString()));
    lock = tags_->Lock(name);
  }
  RETURN_IF_ERROR(lock.status());
  if (references == References::kPresent) {
    RETURN_IF_ERROR(CheckChildren(name, parsed));
  }
  // Under the lock, so that a concurrent delete of the same manifest comes
  // wholly before or after this put.
  RETURN_IF_ERROR(driver_->PutContent(revision, digest.ToString()));
  if (parsed.subject.has_value()) {
    RETURN_IF_ERROR(driver_->PutContent(
        paths::ReferrerLinkPath(name, *parsed.subject, digest),
        digest.ToString()));
  }
  if (reference.tag.has_value()) {
    RETURN_IF_ERROR(tags_->Put(name, *reference.tag, digest));
  }
  // Claims older than kClaimFreshness when the links appeared may predate
  // a collection's cutoff: claimed again, now that the links are there.
  if (std::chrono::steady_clock::now() - claimed_at > kClaimFreshness) {
    absl::Status reclaimed = ClaimBlobs(name, parsed, digest, references);
    if (reclaimed.ok()) reclaimed = blobs_->StatData(digest).status();
    if (absl::IsNotFound(reclaimed)) {
      return Error(absl::StatusCode::kNotFound, v1::MANIFEST_BLOB_UNKNOWN,
                   absl::StrCat("content of manifest ", digest.ToString(),
                                " was collected while it was pushed; push "
                                "its blobs and the manifest again"),
                   digest.ToString());
    }
    RETURN_IF_ERROR(reclaimed);
  }
  *subject = parsed.subject;
  return StoredManifest{digest, parsed.media_type, std::string(content)};
}

absl::Status ManifestStore::Delete(const RepositoryName& name,
                                   const Reference& reference) {
  absl::StatusOr<drivers::PathLockPtr> lock = tags_->Lock(name);
  if (absl::IsNotFound(lock.status())) {
    return ManifestUnknown(name, reference.tag.has_value()
                                     ? reference.tag->str()
                                     : reference.digest->ToString());
  }
  RETURN_IF_ERROR(lock.status());
  if (reference.tag.has_value()) return tags_->Delete(name, *reference.tag);
  ASSIGN_OR_RETURN(Digest digest, Resolve(name, reference));
  RETURN_IF_ERROR(tags_->DeleteTagsOf(name, digest));
  absl::StatusOr<std::string> content = blobs_->GetSmall(digest);
  if (content.ok()) {
    absl::StatusOr<ParsedManifest> parsed = ParseManifest(*content, "");
    if (parsed.ok() && parsed->subject.has_value()) {
      absl::Status removed = driver_->Delete(
          paths::ReferrerLinkPath(name, *parsed->subject, digest));
      if (!removed.ok() && !absl::IsNotFound(removed)) return removed;
    }
  }
  absl::Status removed =
      driver_->Delete(paths::ManifestRevisionLinkPath(name, digest));
  return absl::IsNotFound(removed) ? ManifestUnknown(name, digest.ToString())
                                   : removed;
}

absl::StatusOr<std::vector<Referrer>> ManifestStore::Referrers(
    const RepositoryName& name, const Digest& subject,
    absl::string_view artifact_type) {
  std::vector<Referrer> out;
  absl::Status walked = driver_->Walk(
      paths::ReferrersPath(name, subject), [&](const drivers::FileInfo& info) {
        if (info.is_dir || !absl::EndsWith(info.path, "/link")) {
          return drivers::WalkAction::kContinue;
        }
        absl::StatusOr<std::string> link = driver_->GetContent(info.path);
        if (!link.ok()) return drivers::WalkAction::kContinue;
        absl::StatusOr<Digest> digest = Digest::Parse(*link);
        if (!digest.ok()) return drivers::WalkAction::kContinue;
        Reference ref;
        ref.digest = *digest;
        absl::StatusOr<StoredManifest> manifest = Get(name, ref, {});
        if (!manifest.ok()) return drivers::WalkAction::kContinue;
        absl::StatusOr<ParsedManifest> parsed =
            ParseManifest(manifest->content, manifest->media_type);
        if (!parsed.ok()) return drivers::WalkAction::kContinue;
        if (!artifact_type.empty() && parsed->artifact_type != artifact_type) {
          return drivers::WalkAction::kContinue;
        }
        out.push_back(Referrer{*digest, parsed->media_type,
                               static_cast<int64_t>(manifest->content.size()),
                               parsed->artifact_type, parsed->annotations});
        return drivers::WalkAction::kContinue;
      });
  if (!walked.ok() && !absl::IsNotFound(walked)) return walked;
  return out;
}

}  // namespace registry
