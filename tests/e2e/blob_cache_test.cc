// The gateway's blob cache (cache.blobs, issue 15) with real processes: one
// storaged (its metrics count blob reads) and gateways each with a cache
// directory of its own. Concurrent pulls through two gateways read the blob
// from storaged once per gateway; Range requests are served from the cache;
// a deleted blob, or one the repository does not link, is not served from
// it; a corrupted cache file is detected and fetched again; the cache stays
// within maxbytes; skopeo pulls an image through it.
#include <httplib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/digest.h"
#include "gtest/gtest.h"
#include "tests/testing/gateway_process.h"
#include "tests/testing/oci_layout.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/storaged_metrics.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/test_data.h"

namespace registry::testing {
namespace {

constexpr char kBlobReads[] =
    "registry_rpc_requests_total{method=\"/registry.v1.BlobService/Read\"";

struct CachedGateway {
  GatewayProcess process;
  std::string cache_dir;
};

std::string BlobPath(const std::string& repository, const std::string& digest) {
  return absl::StrCat("/v2/", repository, "/blobs/", digest);
}

// The bytes of the files under the cache's blobs directory.
int64_t CachedBytes(const std::string& cache_dir) {
  int64_t total = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(cache_dir + "/blobs")) {
    if (entry.is_regular_file()) total += entry.file_size();
  }
  return total;
}

class GatewayBlobCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<MeteredStoraged> storaged =
        StartMeteredStoraged(NewTempDir("root"), "127.0.0.1");
    ASSERT_OK(storaged);
    storaged_ = *std::move(storaged);
  }

  std::string ConfigWithCache(const std::string& cache_dir, int64_t max_bytes) {
    std::string config = absl::StrCat(NewTempDir("config"), "/gateway.yml");
    std::ofstream(config) << "cache:\n  blobs:\n    path: " << cache_dir
                          << "\n    maxbytes: " << max_bytes << "\n";
    return config;
  }

  CachedGateway StartCachedGateway(int64_t max_bytes) {
    CachedGateway gateway;
    gateway.cache_dir = NewTempDir("cache");
    absl::StatusOr<GatewayProcess> process = StartGateway(
        storaged_.storaged.address,
        {"--config=" + ConfigWithCache(gateway.cache_dir, max_bytes)});
    EXPECT_OK(process);
    if (process.ok()) gateway.process = *std::move(process);
    return gateway;
  }

  // Pushes `blob` to `repository` through `gateway`; returns its digest.
  std::string Push(const CachedGateway& gateway, const std::string& repository,
                   const std::string& blob) {
    std::string digest = DigestOf(blob).ToString();
    httplib::Client http("127.0.0.1", gateway.process.port);
    auto put = http.Post(
        absl::StrCat("/v2/", repository, "/blobs/uploads/?digest=", digest)
            .c_str(),
        blob, "application/octet-stream");
    EXPECT_TRUE(put && put->status == 201)
        << (put ? put->body : httplib::to_string(put.error()));
    return digest;
  }

  // GETs the blob (with `range` when not empty); the response.
  httplib::Result Get(const CachedGateway& gateway,
                      const std::string& repository, const std::string& digest,
                      const std::string& range = "") {
    httplib::Client http("127.0.0.1", gateway.process.port);
    http.set_read_timeout(60);
    httplib::Headers headers;
    if (!range.empty()) headers.emplace("Range", range);
    return http.Get(BlobPath(repository, digest).c_str(), headers);
  }

  // GETs the whole blob and checks that its bytes are `blob`.
  void ExpectServed(const CachedGateway& gateway, const std::string& repository,
                    const std::string& blob) {
    auto got = Get(gateway, repository, DigestOf(blob).ToString());
    ASSERT_TRUE(got) << httplib::to_string(got.error());
    EXPECT_EQ(got->status, 200) << got->body;
    EXPECT_TRUE(got->body == blob) << "wrong bytes, " << got->body.size();
  }

  double BlobReads() { return ScrapeSum(storaged_, kBlobReads); }

  MeteredStoraged storaged_;
};

TEST_F(GatewayBlobCacheTest, ConcurrentPullsReadStoragedOncePerGateway) {
  CachedGateway a = StartCachedGateway(1 << 30);
  CachedGateway b = StartCachedGateway(1 << 30);
  const std::string blob = Chunk(1, 16 << 20);
  const std::string digest = Push(a, "fleet/app", blob);
  const double before = BlobReads();
  ASSERT_GE(before, 0);
  std::atomic<int> good{0};
  std::vector<std::thread> pulls;
  for (int i = 0; i < 32; ++i) {
    pulls.emplace_back([&, i] {
      auto got = Get(i % 2 == 0 ? a : b, "fleet/app", digest);
      if (got && got->status == 200 && DigestOf(got->body).ToString() == digest)
        ++good;
    });
  }
  for (std::thread& pull : pulls) pull.join();
  EXPECT_EQ(good, 32);
  EXPECT_EQ(BlobReads() - before, 2) << "one fill per gateway";
  ExpectServed(a, "fleet/app", blob);
  ExpectServed(b, "fleet/app", blob);
  EXPECT_EQ(BlobReads() - before, 2);
}

TEST_F(GatewayBlobCacheTest, RangeRequestsAreServedFromTheCache) {
  CachedGateway a = StartCachedGateway(1 << 30);
  const std::string blob = Chunk(2, 1 << 20);
  const std::string digest = Push(a, "range/app", blob);
  double reads = BlobReads();
  // A Range on a miss streams from storaged and does not fill.
  auto miss = Get(a, "range/app", digest, "bytes=10-19");
  ASSERT_TRUE(miss);
  EXPECT_EQ(miss->status, 206);
  EXPECT_EQ(miss->body, blob.substr(10, 10));
  EXPECT_EQ(CachedBytes(a.cache_dir), 0);
  ExpectServed(a, "range/app", blob);
  reads = BlobReads();
  for (const auto& [range, offset, length] :
       std::vector<std::tuple<std::string, size_t, size_t>>{
           {"bytes=1000-1999", 1000, 1000},
           {"bytes=0-0", 0, 1},
           {"bytes=1048000-", 1048000, 576},
           {"bytes=-100", (1 << 20) - 100, 100}}) {
    auto got = Get(a, "range/app", digest, range);
    ASSERT_TRUE(got) << range;
    EXPECT_EQ(got->status, 206) << range;
    EXPECT_EQ(got->get_header_value("Content-Range"),
              absl::StrCat("bytes ", offset, "-", offset + length - 1, "/",
                           blob.size()));
    EXPECT_TRUE(got->body == blob.substr(offset, length)) << range;
  }
  auto unsatisfiable = Get(a, "range/app", digest, "bytes=2000000-");
  ASSERT_TRUE(unsatisfiable);
  EXPECT_EQ(unsatisfiable->status, 416);
  EXPECT_EQ(BlobReads(), reads) << "ranges of a cached blob read storaged";
}

TEST_F(GatewayBlobCacheTest, DeletedOrUnlinkedBlobIsNotServedFromTheCache) {
  CachedGateway a = StartCachedGateway(1 << 30);
  const std::string blob = Chunk(3, 1 << 20);
  const std::string digest = Push(a, "keep/app", blob);
  ExpectServed(a, "keep/app", blob);
  ASSERT_GT(CachedBytes(a.cache_dir), 0);
  // Cached, but another repository does not link it.
  auto other = Get(a, "other/app", digest);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 404);
  EXPECT_TRUE(absl::StrContains(other->body, "BLOB_UNKNOWN")) << other->body;
  httplib::Client http("127.0.0.1", a.process.port);
  auto deleted = http.Delete(BlobPath("keep/app", digest).c_str());
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 202) << deleted->body;
  auto gone = Get(a, "keep/app", digest);
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 404);
  EXPECT_TRUE(absl::StrContains(gone->body, "BLOB_UNKNOWN")) << gone->body;
}

TEST_F(GatewayBlobCacheTest, CorruptedCacheFileIsDetectedAndFetchedAgain) {
  CachedGateway a = StartCachedGateway(1 << 30);
  const std::string blob = Chunk(4, 1 << 20);
  const std::string digest = Push(a, "rot/app", blob);
  ExpectServed(a, "rot/app", blob);
  const std::string hex = digest.substr(7);
  const std::string file =
      absl::StrCat(a.cache_dir, "/blobs/sha256/", hex.substr(0, 2), "/", hex);
  ASSERT_TRUE(std::filesystem::exists(file));
  {
    std::fstream bytes(file, std::ios::in | std::ios::out);
    bytes.seekp(4096);
    bytes.put(static_cast<char>(blob[4096] ^ 0x20));
  }
  const double before = BlobReads();
  ExpectServed(a, "rot/app", blob);
  EXPECT_EQ(BlobReads() - before, 1) << "fetched again";
  ExpectServed(a, "rot/app", blob);
  EXPECT_EQ(BlobReads() - before, 1);
}

TEST_F(GatewayBlobCacheTest, StaysWithinMaxBytesEvictingLeastRecentlyUsed) {
  CachedGateway a = StartCachedGateway(3 << 20);
  std::vector<std::string> blobs;
  for (int i = 0; i < 5; ++i) {
    blobs.push_back(Chunk(10 + i, 1 << 20));
    Push(a, "lru/app", blobs.back());
  }
  for (const std::string& blob : blobs) {
    ExpectServed(a, "lru/app", blob);
    EXPECT_LE(CachedBytes(a.cache_dir), 3 << 20);
  }
  double before = BlobReads();
  ExpectServed(a, "lru/app", blobs[4]);  // Still cached.
  EXPECT_EQ(BlobReads() - before, 0);
  ExpectServed(a, "lru/app", blobs[0]);  // Evicted: fetched again.
  EXPECT_EQ(BlobReads() - before, 1);
  EXPECT_LE(CachedBytes(a.cache_dir), 3 << 20);
  // A blob larger than maxbytes is served, never cached.
  const std::string big = Chunk(20, (3 << 20) + 1);
  Push(a, "lru/app", big);
  ExpectServed(a, "lru/app", big);
  EXPECT_LE(CachedBytes(a.cache_dir), 3 << 20);
}

TEST_F(GatewayBlobCacheTest, SkopeoPullsThroughTheCache) {
  CachedGateway a = StartCachedGateway(1 << 30);
  OciLayout source(NewTempDir("src"));
  absl::StatusOr<OciDescriptor> image =
      source.AddImage({4 << 10, 4 << 20}, "amd64", 7);
  ASSERT_OK(image);
  source.Tag("v1", *image);
  ASSERT_OK(source.Finish());
  const std::string ref =
      absl::StrCat("docker://", a.process.host, "/sk/app:v1");
  ASSERT_OK(Skopeo(
      {"copy", "--dest-tls-verify=false", "oci:" + source.dir() + ":v1", ref}));
  // skopeo verifies every blob's digest as it copies.
  ASSERT_OK(Skopeo({"copy", "--src-tls-verify=false", ref,
                    "oci:" + NewTempDir("first") + ":v1"}));
  const double before = BlobReads();
  ASSERT_OK(Skopeo({"copy", "--src-tls-verify=false", ref,
                    "oci:" + NewTempDir("second") + ":v1"}));
  EXPECT_EQ(BlobReads() - before, 0) << "every layer came from the cache";
}

TEST_F(GatewayBlobCacheTest, BadOrSharedCacheSettingsStopTheGateway) {
  const std::string gateway = RunfilePath("gateway/gateway");
  const std::string dir = NewTempDir("cache");
  std::string half = absl::StrCat(NewTempDir("config"), "/gateway.yml");
  std::ofstream(half) << "cache:\n  blobs:\n    path: " << dir << "\n";
  absl::StatusOr<std::string> out = RunCommand(
      {gateway, "--listen=127.0.0.1:0", "--config=" + half}, absl::Seconds(10));
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(absl::StrContains(out.status().message(),
                                "cache.blobs.path needs cache.blobs.maxbytes"))
      << out.status();
  CachedGateway a = StartCachedGateway(1 << 20);
  out = RunCommand({gateway, "--listen=127.0.0.1:0",
                    "--config=" + ConfigWithCache(a.cache_dir, 1 << 20)},
                   absl::Seconds(10));
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(
      absl::StrContains(out.status().message(), "in use by another gateway"))
      << out.status();
}

}  // namespace
}  // namespace registry::testing
