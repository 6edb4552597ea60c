// The gateway's blob cache on a real directory: fills, hits, one fill for
// concurrent requests, LRU eviction within maxbytes, corrupted files
// detected and fetched again, restarts, and a full disk.
#include "gateway/cache/blob_cache.h"

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/sha256.h"

namespace registry::gateway {
namespace {

struct Blob {
  std::string data;
  std::string digest;
};

Blob MakeBlob(size_t size, uint32_t seed) {
  std::mt19937 random(seed);
  Blob blob;
  blob.data.resize(size);
  for (char& c : blob.data) c = static_cast<char>(random());
  Sha256Hasher hasher;
  hasher.Update(blob.data);
  blob.digest = hasher.Finish().ToString();
  return blob;
}

// A fetcher that writes `data` in 1000-byte pieces and counts its calls.
BlobCache::Fetcher FetcherOf(const std::string& data, std::atomic<int>* calls) {
  return [&data, calls](const std::function<bool(absl::string_view)>& write) {
    ++*calls;
    for (size_t at = 0; at < data.size(); at += 1000) {
      if (!write(absl::string_view(data).substr(at, 1000))) {
        return absl::OkStatus();
      }
    }
    return absl::OkStatus();
  };
}

std::string ReadAll(const CachedBlob& blob) {
  std::string out(static_cast<size_t>(blob.size()), '\0');
  size_t at = 0;
  while (at < out.size()) {
    absl::StatusOr<size_t> n =
        blob.Read(static_cast<int64_t>(at), &out[at], out.size() - at);
    EXPECT_TRUE(n.ok()) << n.status();
    if (!n.ok() || *n == 0) break;
    at += *n;
  }
  out.resize(at);
  return out;
}

class BlobCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/blob_cache_test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<BlobCache> OpenCache(int64_t max_bytes) {
    absl::StatusOr<std::unique_ptr<BlobCache>> cache =
        BlobCache::Open({dir_, max_bytes});
    EXPECT_TRUE(cache.ok()) << cache.status();
    return cache.ok() ? *std::move(cache) : nullptr;
  }

  std::string FileOf(const Blob& blob) const {
    const std::string hex = blob.digest.substr(7);
    return absl::StrCat(dir_, "/blobs/sha256/", hex.substr(0, 2), "/", hex);
  }

  // Gets `blob` and checks the bytes served; returns whether it fetched.
  bool GetAndCheck(BlobCache& cache, const Blob& blob) {
    std::atomic<int> calls{0};
    absl::StatusOr<std::shared_ptr<CachedBlob>> got =
        cache.Get(blob.digest, static_cast<int64_t>(blob.data.size()),
                  FetcherOf(blob.data, &calls));
    EXPECT_TRUE(got.ok()) << got.status();
    if (got.ok()) EXPECT_EQ(ReadAll(**got), blob.data);
    return calls > 0;
  }

  std::string dir_;
};

TEST_F(BlobCacheTest, FillsOnceThenServesFromDisk) {
  auto cache = OpenCache(1 << 20);
  Blob blob = MakeBlob(10000, 1);
  EXPECT_TRUE(GetAndCheck(*cache, blob));
  EXPECT_FALSE(GetAndCheck(*cache, blob));
  EXPECT_TRUE(std::filesystem::exists(FileOf(blob)));
  EXPECT_EQ(cache->bytes(), 10000);
  absl::StatusOr<std::shared_ptr<CachedBlob>> found = cache->Find(blob.digest);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(ReadAll(**found), blob.data);
  EXPECT_TRUE(absl::IsNotFound(cache->Find(MakeBlob(10, 2).digest).status()));
}

TEST_F(BlobCacheTest, ConcurrentRequestsShareOneFill) {
  auto cache = OpenCache(1 << 20);
  Blob blob = MakeBlob(100000, 3);
  std::atomic<int> calls{0};
  std::atomic<int> started{0};
  absl::Notification release;
  BlobCache::Fetcher fetch =
      [&](const std::function<bool(absl::string_view)>& write) {
        release.WaitForNotification();
        return FetcherOf(blob.data, &calls)(write);
      };
  std::vector<std::thread> threads;
  std::atomic<int> served{0};
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&] {
      ++started;
      absl::StatusOr<std::shared_ptr<CachedBlob>> got =
          cache->Get(blob.digest, 100000, fetch);
      if (got.ok() && ReadAll(**got) == blob.data) ++served;
    });
  }
  while (started < 16) std::this_thread::yield();
  release.Notify();
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(served, 16);
  EXPECT_EQ(calls, 1);
}

TEST_F(BlobCacheTest, EvictsLeastRecentlyUsedWithinMaxBytes) {
  auto cache = OpenCache(3000);
  Blob a = MakeBlob(1000, 4), b = MakeBlob(1000, 5), c = MakeBlob(1000, 6);
  Blob d = MakeBlob(1000, 7);
  EXPECT_TRUE(GetAndCheck(*cache, a));
  EXPECT_TRUE(GetAndCheck(*cache, b));
  EXPECT_TRUE(GetAndCheck(*cache, c));
  EXPECT_FALSE(GetAndCheck(*cache, a));  // a is now the most recent.
  EXPECT_TRUE(GetAndCheck(*cache, d));   // Evicts b, the least recent.
  EXPECT_LE(cache->bytes(), 3000);
  EXPECT_FALSE(std::filesystem::exists(FileOf(b)));
  EXPECT_FALSE(GetAndCheck(*cache, a));
  EXPECT_FALSE(GetAndCheck(*cache, c));
  EXPECT_FALSE(GetAndCheck(*cache, d));
  EXPECT_TRUE(GetAndCheck(*cache, b));
  EXPECT_LE(cache->bytes(), 3000);
}

TEST_F(BlobCacheTest, BlobLargerThanMaxBytesIsNotCached) {
  auto cache = OpenCache(1000);
  Blob big = MakeBlob(1001, 8);
  std::atomic<int> calls{0};
  absl::StatusOr<std::shared_ptr<CachedBlob>> got =
      cache->Get(big.digest, 1001, FetcherOf(big.data, &calls));
  EXPECT_TRUE(absl::IsResourceExhausted(got.status())) << got.status();
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(cache->bytes(), 0);
}

TEST_F(BlobCacheTest, CorruptedFileIsDetectedAndFetchedAgain) {
  auto cache = OpenCache(1 << 20);
  Blob blob = MakeBlob(5000, 9);
  EXPECT_TRUE(GetAndCheck(*cache, blob));
  {
    std::fstream file(FileOf(blob), std::ios::in | std::ios::out);
    file.seekp(100);
    file.put(static_cast<char>(blob.data[100] ^ 1));
  }
  EXPECT_TRUE(GetAndCheck(*cache, blob));  // Fetched again, right bytes.
  EXPECT_FALSE(GetAndCheck(*cache, blob));
}

TEST_F(BlobCacheTest, BytesThatDoNotHashToTheDigestAreNeverCached) {
  auto cache = OpenCache(1 << 20);
  Blob blob = MakeBlob(5000, 10);
  Blob other = MakeBlob(5000, 11);
  std::atomic<int> calls{0};
  absl::StatusOr<std::shared_ptr<CachedBlob>> got =
      cache->Get(blob.digest, 5000, FetcherOf(other.data, &calls));
  EXPECT_TRUE(absl::IsDataLoss(got.status())) << got.status();
  EXPECT_FALSE(std::filesystem::exists(FileOf(blob)));
  EXPECT_TRUE(std::filesystem::is_empty(dir_ + "/tmp"));
  EXPECT_EQ(cache->bytes(), 0);
  got = cache->Get(blob.digest, 4000, FetcherOf(blob.data, &calls));
  EXPECT_TRUE(absl::IsDataLoss(got.status())) << got.status();  // Too long.
  EXPECT_TRUE(GetAndCheck(*cache, blob));
}

TEST_F(BlobCacheTest, FailedFetchReachesEveryWaiterAndCachesNothing) {
  auto cache = OpenCache(1 << 20);
  Blob blob = MakeBlob(5000, 12);
  absl::StatusOr<std::shared_ptr<CachedBlob>> got = cache->Get(
      blob.digest, 5000, [](const std::function<bool(absl::string_view)>&) {
        return absl::UnavailableError("storaged is down");
      });
  EXPECT_TRUE(absl::IsUnavailable(got.status())) << got.status();
  EXPECT_EQ(cache->bytes(), 0);
  EXPECT_TRUE(GetAndCheck(*cache, blob));
}

TEST_F(BlobCacheTest, RestartKeepsVerifiedBlobsAndDropsBadOnes) {
  Blob good = MakeBlob(3000, 13), bad = MakeBlob(3000, 14);
  {
    auto cache = OpenCache(1 << 20);
    EXPECT_TRUE(GetAndCheck(*cache, good));
    EXPECT_TRUE(GetAndCheck(*cache, bad));
    // A second gateway may not share the directory.
    absl::StatusOr<std::unique_ptr<BlobCache>> second =
        BlobCache::Open({dir_, 1 << 20});
    EXPECT_TRUE(absl::IsFailedPrecondition(second.status())) << second.status();
  }
  std::ofstream(FileOf(bad), std::ios::trunc) << "not the blob";
  std::ofstream(dir_ + "/tmp/7-1-unfinished") << "half a fill";
  auto cache = OpenCache(1 << 20);
  EXPECT_TRUE(std::filesystem::is_empty(dir_ + "/tmp"));
  EXPECT_FALSE(GetAndCheck(*cache, good));
  EXPECT_TRUE(GetAndCheck(*cache, bad));
}

TEST_F(BlobCacheTest, RestartEvictsTheOldestBeyondASmallerMaxBytes) {
  Blob a = MakeBlob(1000, 15), b = MakeBlob(1000, 16);
  {
    auto cache = OpenCache(1 << 20);
    EXPECT_TRUE(GetAndCheck(*cache, a));
    EXPECT_TRUE(GetAndCheck(*cache, b));
  }
  // File times are coarse; make a the older one for certain.
  std::filesystem::last_write_time(
      FileOf(a),
      std::filesystem::last_write_time(FileOf(b)) - std::chrono::hours(1));
  auto cache = OpenCache(1500);
  EXPECT_EQ(cache->bytes(), 1000);
  EXPECT_FALSE(std::filesystem::exists(FileOf(a)));
  EXPECT_FALSE(GetAndCheck(*cache, b));  // Kept, verified on first use.
}

TEST_F(BlobCacheTest, FullDiskMeansNotCachedNeverWrongBytes) {
  ASSERT_EQ(mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=64k"), 0)
      << "mounting a tmpfs needs root: " << strerror(errno);
  {
    auto cache = OpenCache(1 << 20);
    Blob big = MakeBlob(200000, 17);
    std::atomic<int> calls{0};
    absl::StatusOr<std::shared_ptr<CachedBlob>> got =
        cache->Get(big.digest, 200000, FetcherOf(big.data, &calls));
    EXPECT_TRUE(absl::IsResourceExhausted(got.status())) << got.status();
    EXPECT_EQ(cache->bytes(), 0);
    EXPECT_TRUE(std::filesystem::is_empty(dir_ + "/tmp"));
    EXPECT_TRUE(GetAndCheck(*cache, MakeBlob(1000, 18)));  // Room enough.
  }
  ASSERT_EQ(umount(dir_.c_str()), 0) << strerror(errno);
}

}  // namespace
}  // namespace registry::gateway
