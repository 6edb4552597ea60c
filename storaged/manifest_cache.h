// A bounded LRU cache of manifest bytes and media type by digest. Content
// by digest never changes, so entries never go stale and every storaged
// replica may keep its own; whether a repository holds a manifest is still
// decided by its links on every request. Thread-safe.
#ifndef REGISTRY_STORAGED_MANIFEST_CACHE_H_
#define REGISTRY_STORAGED_MANIFEST_CACHE_H_

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

#include "absl/synchronization/mutex.h"
#include "common/digest.h"

namespace registry {

struct CachedManifest {
  std::string media_type;
  std::string content;
};

class ManifestCache {
 public:
  // Holds at most `capacity_bytes` of content; 0 disables the cache.
  explicit ManifestCache(int64_t capacity_bytes) : capacity_(capacity_bytes) {}

  // The entry for `digest`, or nullptr.
  std::shared_ptr<const CachedManifest> Get(const Digest& digest);

  // Adds (or refreshes) the entry for `digest`, evicting the least recently
  // used entries beyond the capacity.
  void Put(const Digest& digest, std::shared_ptr<const CachedManifest> entry);

 private:
  using Lru =
      std::list<std::pair<std::string, std::shared_ptr<const CachedManifest>>>;

  const int64_t capacity_;
  absl::Mutex mu_;
  Lru lru_ ABSL_GUARDED_BY(mu_);  // Most recent first.
  std::unordered_map<std::string, Lru::iterator> index_ ABSL_GUARDED_BY(mu_);
  int64_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

// Declares the cache's metric family (registry_cache_requests_total).
void DeclareCacheMetrics();

}  // namespace registry

#endif  // REGISTRY_STORAGED_MANIFEST_CACHE_H_
