// What a collection reads from the layout: repositories, one repository's
// manifest links and layer links, one sweep unit's blobs. Each is one walk
// (one flat listing per 1000 entries on S3). Thread-safe.
#ifndef REGISTRY_STORAGED_GC_STORE_LISTING_H_
#define REGISTRY_STORAGED_GC_STORE_LISTING_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/digest.h"
#include "common/names.h"
#include "drivers/driver.h"
#include "storaged/gc/digest_set.h"

namespace registry::gc {

// Every repository with manifests or layer links, sorted.
absl::StatusOr<std::vector<RepositoryName>> ListRepositoryNames(
    drivers::StorageDriver& driver);

struct ManifestLinks {
  bool empty() const { return revisions.empty() && tags.empty(); }
  std::map<Digest, absl::Time> revisions;  // Digest -> link's mod time.
  std::map<std::string, absl::Time> tags;  // Tag -> current link's mod time.
  // Tag history entries: (digest, path of the index link).
  std::vector<std::pair<Digest, std::string>> history;
};

// The links under a repository's _manifests (none when it has none).
absl::StatusOr<ManifestLinks> ListManifestLinks(drivers::StorageDriver& driver,
                                                const RepositoryName& name);

struct RepositoryListing {
  ManifestLinks manifests;
  std::vector<RawDigest> layers;  // Digests its _layers links.
};

// A repository's manifest and layer links, in one walk.
absl::StatusOr<RepositoryListing> ListRepository(drivers::StorageDriver& driver,
                                                 const RepositoryName& name);

struct StoredBlob {
  std::string hex;
  bool has_data = false;
  int64_t size = 0;
  absl::Time last_use = absl::InfinitePast();  // Newest of data and touched.
  std::vector<std::string> files;              // Paths to remove it.
};

// The sweep units (two hex digits) that hold blobs, sorted: one listing.
absl::StatusOr<std::vector<std::string>> ListUnits(
    drivers::StorageDriver& driver);

// The blobs of a sweep unit, by hex.
absl::StatusOr<std::map<std::string, StoredBlob>> ListUnit(
    drivers::StorageDriver& driver, absl::string_view unit);

// The blobs named by `hexes` in a unit, as ListUnit would find them: one
// listing of the unit when the driver batches listings, else a Stat of each
// blob's files.
absl::StatusOr<std::map<std::string, StoredBlob>> ListUnitBlobs(
    drivers::StorageDriver& driver, absl::string_view unit,
    const std::vector<std::string>& hexes);

}  // namespace registry::gc

#endif  // REGISTRY_STORAGED_GC_STORE_LISTING_H_
