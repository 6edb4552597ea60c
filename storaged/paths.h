// The storage layout: CNCF Distribution's v2 layout, so a root written by
// docker-registry is served as-is and the reverse. The only module that
// builds driver paths. Pure functions; thread-safe.
//
//   /docker/registry/v2/
//     blobs/sha256/<hex[0:2]>/<hex>/data              content, by digest
//     blobs/sha256/<hex[0:2]>/<hex>/touched           empty; its modification
//                                                     time is the blob's last
//                                                     use (this registry's)
//     events/<instance>/<sequence:016>.json           events one storaged
//                                                     process stored, one
//                                                     JSON line each
//                                                     (this registry's)
//     gc/sweep-sha256-<hex[0:2]>.lock                 lock of a sweep of the
//                                                     blobs under <hex[0:2]>
//     gc/sweep-sha256-<hex[0:2]>.mark                 digests that sweep is
//                                                     deleting
//     gc/clock-<id>                                   a collection's probe of
//                                                     the store's clock
//                                                     (gc/: this registry's)
//     quarantine/sha256/<hex>/<unix-nanos>            content the scrub found
//                                                     not to hash to <hex>
//                                                     (this registry's)
//     repositories/<name>/
//       _layers/sha256/<hex>/link                     blob linked in repo
//       _manifests/revisions/sha256/<hex>/link        manifest in repo
//       _manifests/tags/<tag>/current/link            tag -> digest
//       _manifests/tags/<tag>/index/sha256/<hex>/link digests the tag had
//       _manifests/tags/<tag>/checked                 when a mirrored tag was
//                                                     last checked upstream
//                                                     (unix nanoseconds;
//                                                     this registry's)
//       _manifests/lock                               lock of tag changes
//                                                     (this registry's)
//       _uploads/<id>/data                            upload bytes
//       _uploads/<id>/startedat                       RFC 3339 start time
//       _uploads/<id>/hashstates/sha256/<offset>      SHA-256 state
//       _uploads/<id>/lock                            the upload's lock
//       _uploads/<id>/committed                       "<digest> <size>":
//                                                     the commit decided
//                                                     (this registry's)
//       _referrers/sha256/<subject>/sha256/<hex>/link manifests naming a
//                                                     subject (this registry's
//                                                     addition; Distribution
//                                                     ignores it)
// Each link file holds the digest string "sha256:<hex>".
#ifndef REGISTRY_STORAGED_PATHS_H_
#define REGISTRY_STORAGED_PATHS_H_

#include <cstdint>
#include <string>

#include "common/digest.h"
#include "common/names.h"

namespace registry::paths {

std::string BlobDataPath(const Digest& digest);
std::string BlobDirPath(const Digest& digest);
std::string BlobTouchedPath(const Digest& digest);
std::string BlobsRoot();
// The directory of the sweep units, and the blobs whose hex starts with
// `unit` (two hex digits): a sweep's unit.
std::string BlobUnitsPath();
std::string BlobUnitPath(absl::string_view unit);
// The unit of a digest: the first two hex digits.
std::string SweepUnitOf(const Digest& digest);

std::string GcRoot();
std::string SweepLockPath(absl::string_view unit);
std::string SweepMarkPath(absl::string_view unit);
std::string GcClockPath(absl::string_view id);
std::string QuarantinePath(const Digest& digest, absl::string_view suffix);

// Events (issue 14): events/<instance>/<16-digit sequence>.json segments.
std::string EventsRoot();
std::string EventQueuePath(absl::string_view instance);
std::string EventSegmentPath(absl::string_view instance, uint64_t sequence);

std::string RepositoriesRoot();
std::string RepositoryPath(const RepositoryName& name);

std::string LayersPath(const RepositoryName& name);
std::string LayerLinkPath(const RepositoryName& name, const Digest& digest);

std::string ManifestsPath(const RepositoryName& name);

std::string ManifestRevisionLinkPath(const RepositoryName& name,
                                     const Digest& digest);

std::string ManifestsLockPath(const RepositoryName& name);
std::string TagsPath(const RepositoryName& name);
std::string TagPath(const RepositoryName& name, const Tag& tag);
std::string TagCurrentLinkPath(const RepositoryName& name, const Tag& tag);
std::string TagCheckedPath(const RepositoryName& name, const Tag& tag);
std::string TagIndexLinkPath(const RepositoryName& name, const Tag& tag,
                             const Digest& digest);

std::string UploadPath(const RepositoryName& name, absl::string_view id);
std::string UploadDataPath(const RepositoryName& name, absl::string_view id);
std::string UploadStartedAtPath(const RepositoryName& name,
                                absl::string_view id);
std::string UploadLockPath(const RepositoryName& name, absl::string_view id);
std::string UploadCommittedPath(const RepositoryName& name,
                                absl::string_view id);
std::string UploadHashStatesPath(const RepositoryName& name,
                                 absl::string_view id);
std::string UploadHashStatePath(const RepositoryName& name,
                                absl::string_view id, int64_t offset);

std::string ReferrersPath(const RepositoryName& name, const Digest& subject);
std::string ReferrerLinkPath(const RepositoryName& name, const Digest& subject,
                             const Digest& referrer);

// The directory names under a repository that mark its parts.
inline constexpr absl::string_view kManifestsDir = "_manifests";
inline constexpr absl::string_view kLayersDir = "_layers";

}  // namespace registry::paths

#endif  // REGISTRY_STORAGED_PATHS_H_
