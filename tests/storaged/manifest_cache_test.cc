#include "storaged/manifest_cache.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace registry {
namespace {

std::shared_ptr<const CachedManifest> Entry(size_t size) {
  return std::make_shared<CachedManifest>(
      CachedManifest{"application/x", std::string(size, 'x')});
}

TEST(ManifestCacheTest, EvictsLeastRecentlyUsedBeyondCapacity) {
  ManifestCache cache(100);
  Digest a = DigestOf("a"), b = DigestOf("b"), c = DigestOf("c");
  cache.Put(a, Entry(40));
  cache.Put(b, Entry(40));
  ASSERT_NE(cache.Get(a), nullptr);  // a is now the most recent.
  cache.Put(c, Entry(40));           // 120 > 100: b goes.
  EXPECT_NE(cache.Get(a), nullptr);
  EXPECT_EQ(cache.Get(b), nullptr);
  EXPECT_NE(cache.Get(c), nullptr);
  cache.Put(a, Entry(10));  // Replacing an entry updates the byte count.
  cache.Put(b, Entry(50));
  EXPECT_NE(cache.Get(a), nullptr);
  EXPECT_NE(cache.Get(b), nullptr);
  EXPECT_NE(cache.Get(c), nullptr);
}

TEST(ManifestCacheTest, ZeroCapacityAndOversizedEntriesAreNotKept) {
  ManifestCache off(0);
  off.Put(DigestOf("a"), Entry(1));
  EXPECT_EQ(off.Get(DigestOf("a")), nullptr);
  ManifestCache small(10);
  small.Put(DigestOf("a"), Entry(11));
  EXPECT_EQ(small.Get(DigestOf("a")), nullptr);
}

}  // namespace
}  // namespace registry
