// Manifests of a repository: exact bytes stored content-addressed (as
// blobs), linked under _manifests/revisions, tagged through TagStore, and
// indexed by subject for the referrers API. Thread-safe; safe with other
// processes on one store.
#ifndef REGISTRY_STORAGED_MANIFEST_STORE_H_
#define REGISTRY_STORAGED_MANIFEST_STORE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/digest.h"
#include "common/names.h"
#include "drivers/driver.h"
#include "storaged/blob_store.h"
#include "storaged/manifest_cache.h"
#include "storaged/manifest_parser.h"
#include "storaged/tag_store.h"

namespace registry {

struct StoredManifest {
  Digest digest;
  std::string media_type;
  std::string content;
};

// One entry of a referrers listing.
struct Referrer {
  Digest digest;
  std::string media_type;
  int64_t size = 0;
  std::string artifact_type;
  std::map<std::string, std::string> annotations;
};

// What a Put requires of the content a manifest references.
enum class References {
  kPresent,  // Every blob and child manifest in the repository (a push).
  kLater,    // Nothing yet: fetched on demand (a pull-through cache).
};

struct ManifestStoreOptions {
  // Manifests larger than this are refused (TOO_LARGE).
  int64_t max_manifest_bytes = 4 << 20;
  // Bytes of manifests kept in memory by digest (0: none).
  int64_t cache_bytes = 32 << 20;
};

class ManifestStore {
 public:
  // Every pointer must outlive the store.
  ManifestStore(drivers::StorageDriver* driver, BlobStore* blobs,
                TagStore* tags, ManifestStoreOptions options)
      : driver_(driver),
        blobs_(blobs),
        tags_(tags),
        options_(options),
        cache_(options.cache_bytes) {}

  // The digest a reference names in `name`. NotFound (MANIFEST_UNKNOWN).
  absl::StatusOr<Digest> Resolve(const RepositoryName& name,
                                 const Reference& reference);

  // The manifest. NotFound (MANIFEST_UNKNOWN), also when its media type is
  // not in a non-empty `accept`.
  absl::StatusOr<StoredManifest> Get(const RepositoryName& name,
                                     const Reference& reference,
                                     const std::vector<std::string>& accept);

  // Validates, stores and links a manifest; tags it when `reference` is a
  // tag. Errors as in proto/manifest.proto (Put).
  absl::StatusOr<StoredManifest> Put(
      const RepositoryName& name, const Reference& reference,
      absl::string_view declared_type, absl::string_view content,
      absl::optional<Digest>* subject,
      References references = References::kPresent);

  // By digest: removes the revision, its tags and its referrer entry.
  // By tag: removes the tag. NotFound (MANIFEST_UNKNOWN).
  absl::Status Delete(const RepositoryName& name, const Reference& reference);

  // Manifests in `name` whose subject is `subject`, sorted by digest,
  // filtered by `artifact_type` when non-empty.
  absl::StatusOr<std::vector<Referrer>> Referrers(
      const RepositoryName& name, const Digest& subject,
      absl::string_view artifact_type);

 private:
  // Bytes and media type of a stored manifest, from the cache or the store.
  absl::StatusOr<std::shared_ptr<const CachedManifest>> Load(
      const RepositoryName& name, const Digest& digest);

  // Claims every blob `parsed` references (and its own, `digest`) in
  // `name`: MANIFEST_BLOB_UNKNOWN when one is missing or being collected.
  // With References::kLater only the manifest's own blob is claimed.
  absl::Status ClaimBlobs(const RepositoryName& name,
                          const ParsedManifest& parsed, const Digest& digest,
                          References references);

  // Checks that every manifest `parsed` references exists in `name`.
  // REQUIRES: the repository's tag lock (collections delete revisions
  // under it).
  absl::Status CheckChildren(const RepositoryName& name,
                             const ParsedManifest& parsed);

  drivers::StorageDriver* const driver_;
  BlobStore* const blobs_;
  TagStore* const tags_;
  const ManifestStoreOptions options_;
  ManifestCache cache_;
};

}  // namespace registry

#endif  // REGISTRY_STORAGED_MANIFEST_STORE_H_
