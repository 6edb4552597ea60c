// The pull-through cache (issue 13): repositories under a configured
// prefix (or every repository, in the whole-registry form) are mirrors of
// an upstream registry. Their content is ordinary content of the store,
// shared by every replica and collected like any other; this module
// decides when to ask the upstream and stores what it answers.
//
//   - Manifests by digest: from the store; fetched once on a miss.
//   - Manifests by tag: from the store while the tag was checked within
//     `ttl` (the check time is kept in the store, for every replica);
//     then one HEAD upstream decides whether the cached digest is current.
//     An unreachable or failing upstream: the cached content, with a
//     warning; nothing cached: UNAVAILABLE naming the upstream.
//   - Blobs: from the store; on a miss streamed while fetched
//     (blob_fetch.h).
//   - Tags lists and referrers: the upstream's, kept in memory for `ttl`;
//     the last answer (or the store's) when the upstream fails.
//   - Writes under a mirrored name: FAILED_PRECONDITION, UNSUPPORTED.
// Thread-safe.
#ifndef REGISTRY_STORAGED_PROXY_PULL_THROUGH_H_
#define REGISTRY_STORAGED_PROXY_PULL_THROUGH_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/optional.h"
#include "storaged/proxy/blob_fetch.h"
#include "storaged/proxy/upstream_client.h"
#include "storaged/proxy/upstream_config.h"
#include "storaged/storage.h"

namespace registry::proxy {

// A blob ready to read: from the store, or following a fetch.
struct BlobForRead {
  BlobDescriptor blob;
  std::shared_ptr<BlobFetch> fetch;  // Null when stored.
};

class PullThroughCache {
 public:
  // `storage` must outlive the cache. Spool files of fetches go to
  // `spool_dir`.
  PullThroughCache(Storage* storage,
                   const std::vector<UpstreamConfig>& upstreams,
                   std::string spool_dir);
  ~PullThroughCache();

  // Whether `name` is a mirror.
  bool Mirrors(const RepositoryName& name) const;

  // FAILED_PRECONDITION (UNSUPPORTED) naming the prefix and upstream when
  // `name` is a mirror; OK otherwise. `what`: "pushing a manifest".
  absl::Status CheckWrite(const RepositoryName& name,
                          absl::string_view what) const;

  // The manifest, as ManifestStore::Get, asking the upstream as needed.
  // REQUIRES: Mirrors(name).
  absl::StatusOr<StoredManifest> GetManifest(
      const RepositoryName& name, const Reference& reference,
      const std::vector<std::string>& accept);

  // The blob's size, stored or upstream (a HEAD; nothing is fetched).
  // NotFound (BLOB_UNKNOWN). REQUIRES: Mirrors(name).
  absl::StatusOr<BlobDescriptor> StatBlob(const RepositoryName& name,
                                          const Digest& digest);

  // The blob to read: stored, or being fetched. REQUIRES: Mirrors(name).
  absl::StatusOr<BlobForRead> ReadBlob(const RepositoryName& name,
                                       const Digest& digest);

  // The upstream's tags, sorted. REQUIRES: Mirrors(name).
  absl::StatusOr<std::vector<std::string>> Tags(const RepositoryName& name);

  // The upstream's referrers of `subject`, filtered by `artifact_type`
  // when not empty. REQUIRES: Mirrors(name).
  absl::StatusOr<std::vector<Referrer>> Referrers(
      const RepositoryName& name, const Digest& subject,
      absl::string_view artifact_type);

 private:
  struct Upstream {
    UpstreamConfig config;
    std::unique_ptr<UpstreamClient> client;
  };
  // A mirrored repository: its upstream and its name there.
  struct Route {
    Upstream* upstream;
    std::string remote;
  };
  absl::optional<Route> Find(const RepositoryName& name) const;

  // GET of `path` upstream for `route`, answered from memory within ttl;
  // the last good answer when the upstream fails. NotFound for a 404.
  absl::StatusOr<std::string> CachedGet(const Route& route,
                                        const std::string& path,
                                        absl::string_view what);
  // Fetches the manifest `reference` upstream and stores it in `name`
  // (tagged when `tag` is set). Its digest when stored.
  absl::StatusOr<Digest> FetchManifest(const Route& route,
                                       const RepositoryName& name,
                                       const std::string& reference,
                                       const absl::optional<Tag>& tag);
  // Whether the tag was checked upstream within ttl; MarkChecked records a
  // check now.
  bool Fresh(const Route& route, const RepositoryName& name, const Tag& tag);
  void MarkChecked(const RepositoryName& name, const Tag& tag);

  Storage* const storage_;
  std::vector<std::unique_ptr<Upstream>> upstreams_;  // Longest prefix first.
  BlobFetcher fetcher_;
  struct Answer {
    std::string body;
    absl::Time fetched;
  };
  absl::Mutex mu_;
  std::map<std::string, Answer> answers_ ABSL_GUARDED_BY(mu_);  // CachedGet.
};

}  // namespace registry::proxy

#endif  // REGISTRY_STORAGED_PROXY_PULL_THROUGH_H_
