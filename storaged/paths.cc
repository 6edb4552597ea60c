#include "storaged/paths.h"

#include "absl/strings/str_cat.h"

namespace registry::paths {
namespace {

constexpr absl::string_view kRoot = "/docker/registry/v2";

// "<alg>/<hex>" as used under _layers, revisions, index and referrers.
std::string DigestDir(const Digest& digest) {
  return absl::StrCat(digest.algorithm(), "/", digest.hex());
}

}  // namespace

std::string BlobDirPath(const Digest& digest) {
  return absl::StrCat(kRoot, "/blobs/", digest.algorithm(), "/",
                      digest.hex().substr(0, 2), "/", digest.hex());
}

std::string BlobDataPath(const Digest& digest) {
  return absl::StrCat(BlobDirPath(digest), "/data");
}

std::string BlobTouchedPath(const Digest& digest) {
  return absl::StrCat(BlobDirPath(digest), "/touched");
}

std::string BlobsRoot() { return absl::StrCat(kRoot, "/blobs"); }

std::string BlobUnitsPath() { return absl::StrCat(BlobsRoot(), "/sha256"); }

std::string BlobUnitPath(absl::string_view unit) {
  return absl::StrCat(BlobUnitsPath(), "/", unit);
}

std::string SweepUnitOf(const Digest& digest) {
  return digest.hex().substr(0, 2);
}

std::string GcRoot() { return absl::StrCat(kRoot, "/gc"); }

std::string SweepLockPath(absl::string_view unit) {
  return absl::StrCat(GcRoot(), "/sweep-sha256-", unit, ".lock");
}

std::string SweepMarkPath(absl::string_view unit) {
  return absl::StrCat(GcRoot(), "/sweep-sha256-", unit, ".mark");
}

std::string GcClockPath(absl::string_view id) {
  return absl::StrCat(GcRoot(), "/clock-", id);
}

std::string QuarantinePath(const Digest& digest, absl::string_view suffix) {
  return absl::StrCat(kRoot, "/quarantine/", DigestDir(digest), "/", suffix);
}

std::string EventsRoot() { return absl::StrCat(kRoot, "/events"); }

std::string EventQueuePath(absl::string_view instance) {
  return absl::StrCat(EventsRoot(), "/", instance);
}

std::string EventSegmentPath(absl::string_view instance, uint64_t sequence) {
  return absl::StrCat(EventQueuePath(instance), "/",
                      absl::Dec(sequence, absl::kZeroPad16), ".json");
}

std::string RepositoriesRoot() { return absl::StrCat(kRoot, "/repositories"); }

std::string RepositoryPath(const RepositoryName& name) {
  return absl::StrCat(RepositoriesRoot(), "/", name.str());
}

std::string LayersPath(const RepositoryName& name) {
  return absl::StrCat(RepositoryPath(name), "/_layers");
}

std::string LayerLinkPath(const RepositoryName& name, const Digest& digest) {
  return absl::StrCat(LayersPath(name), "/", DigestDir(digest), "/link");
}

std::string ManifestsPath(const RepositoryName& name) {
  return absl::StrCat(RepositoryPath(name), "/_manifests");
}

std::string ManifestRevisionLinkPath(const RepositoryName& name,
                                     const Digest& digest) {
  return absl::StrCat(RepositoryPath(name), "/_manifests/revisions/",
                      DigestDir(digest), "/link");
}

std::string TagsPath(const RepositoryName& name) {
  return absl::StrCat(RepositoryPath(name), "/_manifests/tags");
}

std::string ManifestsLockPath(const RepositoryName& name) {
  return absl::StrCat(RepositoryPath(name), "/_manifests/lock");
}

std::string TagPath(const RepositoryName& name, const Tag& tag) {
  return absl::StrCat(TagsPath(name), "/", tag.str());
}

std::string TagCurrentLinkPath(const RepositoryName& name, const Tag& tag) {
  return absl::StrCat(TagPath(name, tag), "/current/link");
}

std::string TagCheckedPath(const RepositoryName& name, const Tag& tag) {
  return absl::StrCat(TagPath(name, tag), "/checked");
}

std::string TagIndexLinkPath(const RepositoryName& name, const Tag& tag,
                             const Digest& digest) {
  return absl::StrCat(TagPath(name, tag), "/index/", DigestDir(digest),
                      "/link");
}

std::string UploadPath(const RepositoryName& name, absl::string_view id) {
  return absl::StrCat(RepositoryPath(name), "/_uploads/", id);
}

std::string UploadDataPath(const RepositoryName& name, absl::string_view id) {
  return absl::StrCat(UploadPath(name, id), "/data");
}

std::string UploadStartedAtPath(const RepositoryName& name,
                                absl::string_view id) {
  return absl::StrCat(UploadPath(name, id), "/startedat");
}

std::string UploadLockPath(const RepositoryName& name, absl::string_view id) {
  return absl::StrCat(UploadPath(name, id), "/lock");
}

std::string UploadCommittedPath(const RepositoryName& name,
                                absl::string_view id) {
  return absl::StrCat(UploadPath(name, id), "/committed");
}

std::string UploadHashStatesPath(const RepositoryName& name,
                                 absl::string_view id) {
  return absl::StrCat(UploadPath(name, id), "/hashstates/sha256");
}

std::string UploadHashStatePath(const RepositoryName& name,
                                absl::string_view id, int64_t offset) {
  return absl::StrCat(UploadHashStatesPath(name, id), "/", offset);
}

std::string ReferrersPath(const RepositoryName& name, const Digest& subject) {
  return absl::StrCat(RepositoryPath(name), "/_referrers/", DigestDir(subject));
}

std::string ReferrerLinkPath(const RepositoryName& name, const Digest& subject,
                             const Digest& referrer) {
  return absl::StrCat(ReferrersPath(name, subject), "/", DigestDir(referrer),
                      "/link");
}

}  // namespace registry::paths
