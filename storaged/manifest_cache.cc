#include "storaged/manifest_cache.h"

#include "common/metrics.h"

namespace registry {
namespace {

constexpr char kCacheRequests[] = "registry_cache_requests_total";

}  // namespace

std::shared_ptr<const CachedManifest> ManifestCache::Get(const Digest& digest) {
  if (capacity_ <= 0) return nullptr;
  std::shared_ptr<const CachedManifest> found;
  {
    absl::MutexLock lock(&mu_);
    auto it = index_.find(digest.hex());
    if (it != index_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      found = it->second->second;
    }
  }
  Metrics::Global().Add(
      kCacheRequests,
      {{"cache", "manifest"}, {"result", found ? "hit" : "miss"}}, 1);
  return found;
}

void DeclareCacheMetrics() {
  Metrics::Global().Declare(kCacheRequests, "counter",
                            "Cache lookups by cache and result (hit, miss).");
}

void ManifestCache::Put(const Digest& digest,
                        std::shared_ptr<const CachedManifest> entry) {
  int64_t size = static_cast<int64_t>(entry->content.size());
  if (capacity_ <= 0 || size > capacity_) return;
  absl::MutexLock lock(&mu_);
  auto it = index_.find(digest.hex());
  if (it != index_.end()) {
    bytes_ -= static_cast<int64_t>(it->second->second->content.size());
    lru_.erase(it->second);
    index_.erase(it);
  }
  lru_.emplace_front(digest.hex(), std::move(entry));
  index_[digest.hex()] = lru_.begin();
  bytes_ += size;
  while (bytes_ > capacity_) {
    auto& last = lru_.back();
    bytes_ -= static_cast<int64_t>(last.second->content.size());
    index_.erase(last.first);
    lru_.pop_back();
  }
}

}  // namespace registry
