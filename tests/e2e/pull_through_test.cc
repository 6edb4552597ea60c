// The pull-through cache end to end (issue 13): storaged mirroring two real
// upstream registries at once, docker-registry with htpasswd (Basic) over
// TLS and our own gateway with token auth (the Bearer flow), with skopeo
// and raw HTTP as clients through our gateway.
#include <httplib.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/digest.h"
#include "common/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/cut_relay.h"
#include "tests/testing/docker_registry_process.h"
#include "tests/testing/gateway_process.h"
#include "tests/testing/oci_layout.h"
#include "tests/testing/registry_client.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/storaged_process.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/test_certs.h"
#include "tests/testing/token_server.h"
#include "tests/testing/wait.h"

namespace registry::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kService[] = "upstream.test";
constexpr char kIssuer[] = "upstream-token-server";

std::string WriteFile(const std::string& name, const std::string& content) {
  std::string path = absl::StrCat(NewTempDir("files"), "/", name);
  std::ofstream(path) << content;
  return path;
}

// `bytes` pseudo-random bytes.
std::string RandomBytes(size_t bytes, uint64_t seed) {
  std::mt19937_64 random(seed);
  std::string data(bytes, '\0');
  for (size_t i = 0; i + 8 <= bytes; i += 8) {
    uint64_t word = random();
    memcpy(&data[i], &word, 8);
  }
  return data;
}

// What a streamed GET received.
struct Received {
  int status = 0;
  int64_t bytes = 0;
  std::string digest;  // Of the bytes received.
};

// GETs `path` from `port`, hashing the body as it arrives; with `stop_after`
// the client hangs up once that many bytes arrived.
Received StreamGet(int port, const std::string& path, int64_t stop_after = -1,
                   const httplib::Headers& headers = {}) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(120);
  Sha256Hasher hasher;
  Received received;
  auto result = client.Get(
      path.c_str(), headers,
      [&](const httplib::Response& response) {
        received.status = response.status;
        return true;
      },
      [&](const char* data, size_t n) {
        hasher.Update(absl::string_view(data, n));
        received.bytes += static_cast<int64_t>(n);
        return stop_after < 0 || received.bytes < stop_after;
      });
  received.digest = hasher.Finish().ToString();
  return received;
}

class PullThroughTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TestCerts> certs = MakeTestCerts();
    ASSERT_OK(certs);
    certs_ = *std::move(certs);
    // Upstream 1: docker-registry, htpasswd over TLS, requests logged.
    hub_root_ = NewTempDir("hub");
    DockerRegistryOptions hub_options;
    hub_options.htpasswd =
        WriteFile("htpasswd", HtpasswdLine("alice", "pw-hub"));
    hub_options.tls_cert = certs_.server_cert;
    hub_options.tls_key = certs_.server_key;
    hub_options.access_log = true;
    absl::StatusOr<DockerRegistryProcess> hub =
        StartDockerRegistry(hub_root_, hub_options);
    ASSERT_OK(hub);
    hub_ = *std::move(hub);
    // Upstream 2: our registry behind a token server.
    absl::StatusOr<std::unique_ptr<TokenServer>> tokens =
        TokenServer::Start(certs_.ca_key, kIssuer, kService,
                           {{"pusher", {"pw-p", {{"*", {"pull", "push"}}}}},
                            {"mirror", {"pw-m", {{"*", {"pull"}}}}}});
    ASSERT_OK(tokens);
    tokens_ = *std::move(tokens);
    std::string gateway_config = WriteFile(
        "gateway.yml",
        absl::StrCat("auth:\n  token:\n    realm: ", tokens_->realm(),
                     "\n    service: ", kService, "\n    issuer: ", kIssuer,
                     "\n    rootcertbundle: ", certs_.ca_cert, "\n"));
    absl::StatusOr<StoragedProcess> storaged =
        StartStoraged(NewTempDir("tok-root"));
    ASSERT_OK(storaged);
    tok_storaged_ = *std::move(storaged);
    absl::StatusOr<GatewayProcess> gateway =
        StartGateway(tok_storaged_.address, {"--config=" + gateway_config});
    ASSERT_OK(gateway);
    tok_ = *std::move(gateway);
    mirror_credentials_ =
        WriteFile("mirror.yml", "username: mirror\npassword: \"pw-m\"\n");
  }

  // The hub upstream's entry of proxy.registries under `prefix`.
  std::string HubEntry(const std::string& prefix, const std::string& ttl,
                       const std::string& url = "") {
    return absl::StrCat("    - prefix: ", prefix,
                        "\n      remoteurl: ", url.empty() ? hub_.url : url,
                        "\n      username: alice\n      password: pw-hub\n",
                        "      ttl: ", ttl,
                        "\n      tls:\n        ca: ", certs_.ca_cert, "\n");
  }
  std::string TokEntry(const std::string& prefix) {
    return absl::StrCat("    - prefix: ", prefix, "\n      remoteurl: http://",
                        tok_.host,
                        "\n      credentialsfile: ", mirror_credentials_, "\n");
  }

  // Starts the cache (storaged with `proxy_yaml` and a gateway).
  void StartCache(const std::string& proxy_yaml) {
    cache_root_ = NewTempDir("cache");
    metrics_port_ = FreePort();
    cache_config_ =
        WriteFile("storaged.yml",
                  absl::StrCat("metrics:\n  addr: 127.0.0.1:", metrics_port_,
                               "\n", proxy_yaml));
    absl::StatusOr<StoragedProcess> storaged =
        StartStoraged(cache_root_, {"--config=" + cache_config_});
    ASSERT_OK(storaged);
    cache_storaged_ = *std::move(storaged);
    absl::StatusOr<GatewayProcess> gateway =
        StartGateway(cache_storaged_.address);
    ASSERT_OK(gateway);
    cache_ = *std::move(gateway);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", cache_.port);
  }

  // An image of small layers tagged `tag` in a new OCI layout; its
  // "oci:DIR:TAG" reference.
  std::string Layout(const std::string& tag, uint64_t seed) {
    OciLayout layout(NewTempDir("layout"));
    absl::StatusOr<OciDescriptor> image =
        layout.AddImage({48 << 10, 96 << 10}, "amd64", seed);
    EXPECT_OK(image);
    layout.Tag(tag, *image);
    EXPECT_OK(layout.Finish());
    return absl::StrCat("oci:", layout.dir(), ":", tag);
  }

  void PushToHub(const std::string& layout, const std::string& name) {
    ASSERT_OK(Skopeo(
        {"copy", "--dest-tls-verify=false", "--dest-creds=alice:pw-hub", layout,
         absl::StrCat("docker://127.0.0.1:", hub_.port, "/", name)}));
  }
  void PushToTok(const std::string& layout, const std::string& name) {
    ASSERT_OK(
        Skopeo({"copy", "--dest-tls-verify=false", "--dest-creds=pusher:pw-p",
                layout, absl::StrCat("docker://", tok_.host, "/", name)}));
  }
  // The manifest as the hub upstream serves it.
  std::string HubRaw(const std::string& name) {
    absl::StatusOr<std::string> raw = Skopeo(
        {"inspect", "--raw", "--tls-verify=false", "--creds=alice:pw-hub",
         absl::StrCat("docker://127.0.0.1:", hub_.port, "/", name)});
    EXPECT_OK(raw);
    return raw.ok() ? *raw : "";
  }
  std::string CacheRef(const std::string& name) {
    return absl::StrCat("docker://", cache_.host, "/", name);
  }
  absl::StatusOr<std::string> CacheRaw(const std::string& name) {
    return Skopeo({"inspect", "--raw", "--tls-verify=false", CacheRef(name)});
  }
  // Copies from the cache into a new OCI layout (skopeo verifies every
  // blob's digest on the way).
  absl::Status PullFromCache(const std::string& name) {
    return Skopeo({"copy", "--src-tls-verify=false", CacheRef(name),
                   absl::StrCat("oci:", NewTempDir("pulled"), ":x")})
        .status();
  }
  // The digest a tag has through the cache (a manifest HEAD).
  std::string CachedDigest(const std::string& name, const std::string& tag) {
    auto head = client_->Head(
        absl::StrCat("/v2/", name, "/manifests/", tag).c_str(),
        {{"Accept", "application/vnd.oci.image.manifest.v1+json"}});
    return head && head->status == 200
               ? head->get_header_value("Docker-Content-Digest")
               : "";
  }
  std::string Metrics() {
    httplib::Client metrics("127.0.0.1", metrics_port_);
    auto response = metrics.Get("/metrics");
    return response ? response->body : "";
  }
  // Pushes `blob` into `name` on the hub upstream (monolithic upload).
  std::string PushBlobToHub(const std::string& name, const std::string& blob) {
    httplib::Client hub(hub_.url);
    hub.enable_server_certificate_verification(false);
    hub.set_basic_auth("alice", "pw-hub");
    hub.set_read_timeout(120);
    std::string digest = DigestOf(blob).ToString();
    auto started =
        hub.Post(absl::StrCat("/v2/", name, "/blobs/uploads/").c_str());
    EXPECT_TRUE(started && started->status == 202);
    if (!started) return digest;
    std::string location = started->get_header_value("Location");
    location = location.substr(location.find("/v2/"));
    auto put = hub.Put(absl::StrCat(location, "&digest=", digest).c_str(), blob,
                       "application/octet-stream");
    EXPECT_TRUE(put && put->status == 201) << (put ? put->body : "no answer");
    return digest;
  }
  // GETs of `path` the hub upstream logged.
  int HubGets(const std::string& path) {
    std::ifstream log(hub_.process->log_path());
    std::string line;
    int count = 0;
    while (std::getline(log, line)) {
      if (absl::StrContains(line, absl::StrCat("\"GET ", path, " "))) ++count;
    }
    return count;
  }
  std::string CachePath(const std::string& rest) {
    return absl::StrCat(cache_root_, "/docker/registry/v2/", rest);
  }
  std::string BlobData(const std::string& digest) {
    std::string hex = digest.substr(7);
    return CachePath(
        absl::StrCat("blobs/sha256/", hex.substr(0, 2), "/", hex, "/data"));
  }
  // Whether the blob's data is at its address in the cache's store.
  bool Stored(const std::string& digest) {
    return std::ifstream(BlobData(digest)).good();
  }
  // Whether any upload (a fetch in progress or left behind) is in `name`.
  bool HasUploads(const std::string& name) {
    absl::StatusOr<std::string> listed = RunCommand(
        {"/bin/sh", "-c",
         absl::StrCat("ls -A ", CachePath("repositories/" + name + "/_uploads"),
                      " 2>/dev/null || true")},
        absl::Seconds(5));
    return !listed.ok() || !listed->empty();
  }

  TestCerts certs_;
  std::string hub_root_;
  DockerRegistryProcess hub_;
  std::unique_ptr<TokenServer> tokens_;
  StoragedProcess tok_storaged_;
  GatewayProcess tok_;
  std::string mirror_credentials_;
  std::string cache_root_;
  std::string cache_config_;
  int metrics_port_ = 0;
  StoragedProcess cache_storaged_;
  GatewayProcess cache_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(PullThroughTest, TwoUpstreamsAtOnceByteIdenticalBesideOrdinaryRepos) {
  std::string hub_image = Layout("v1", 1);
  std::string tok_image = Layout("v2", 2);
  PushToHub(hub_image, "lib/app:v1");
  PushToTok(tok_image, "team/tool:v2");
  // A third upstream without authentication or TLS.
  absl::StatusOr<DockerRegistryProcess> plain =
      StartDockerRegistry(NewTempDir("plain"));
  ASSERT_OK(plain);
  ASSERT_OK(Skopeo(
      {"copy", "--dest-tls-verify=false", hub_image,
       absl::StrCat("docker://127.0.0.1:", plain->port, "/lib/app:v3")}));
  StartCache(absl::StrCat("proxy:\n  registries:\n", HubEntry("hub/", "10m"),
                          TokEntry("tok/"), "    - prefix: plain\n",
                          "      remoteurl: ", plain->url, "\n"));

  // Anonymous, Basic over TLS, and the Bearer flow, from one cache.
  ASSERT_OK(PullFromCache("hub/lib/app:v1"));
  ASSERT_OK(PullFromCache("tok/team/tool:v2"));
  absl::StatusOr<std::string> cached = CacheRaw("hub/lib/app:v1");
  ASSERT_OK(cached);
  EXPECT_EQ(*cached, HubRaw("lib/app:v1"));
  absl::StatusOr<std::string> from_tok =
      Skopeo({"inspect", "--raw", "--tls-verify=false", "--creds=pusher:pw-p",
              absl::StrCat("docker://", tok_.host, "/team/tool:v2")});
  ASSERT_OK(from_tok);
  absl::StatusOr<std::string> cached_tok = CacheRaw("tok/team/tool:v2");
  ASSERT_OK(cached_tok);
  EXPECT_EQ(*cached_tok, *from_tok);
  // Tokens are cached until they expire: the upstream's tags list (not
  // asked for yet) goes with the token the pull got.
  const int token_requests = tokens_->requests();
  EXPECT_GE(token_requests, 1);
  auto tok_tags = client_->Get("/v2/tok/team/tool/tags/list");
  ASSERT_TRUE(tok_tags);
  EXPECT_EQ(tok_tags->status, 200);
  EXPECT_EQ(tokens_->requests(), token_requests);
  std::string digest = DigestOf(*cached).ToString();
  ASSERT_OK(PullFromCache("hub/lib/app@" + digest));  // By digest.

  // A second pull is served from the store.
  std::string before = Metrics();
  ASSERT_OK(PullFromCache("hub/lib/app:v1"));
  EXPECT_THAT(Metrics(),
              HasSubstr("registry_proxy_cache_hits_total{registry=\"" +
                        hub_.url + "\",kind=\"blob\"}"));
  EXPECT_THAT(before,
              HasSubstr("registry_proxy_cache_misses_total{registry=\"" +
                        hub_.url + "\",kind=\"blob\"}"));
  EXPECT_THAT(before, HasSubstr("registry_proxy_upstream_requests_total{"
                                "registry=\"" +
                                hub_.url + "\",status=\"200\"}"));
  EXPECT_THAT(before, HasSubstr("registry_proxy_upstream_bytes_total{"
                                "registry=\"http://" +
                                tok_.host + "\"}"));

  // Tags lists are the upstream's; ranges work on cached blobs.
  auto tags = client_->Get("/v2/tok/team/tool/tags/list");
  ASSERT_TRUE(tags);
  EXPECT_EQ(tags->status, 200);
  EXPECT_THAT(tags->body, HasSubstr("\"v2\""));
  nlohmann::json manifest = nlohmann::json::parse(*cached);
  std::string layer = manifest["layers"][0]["digest"];
  auto whole = client_->Get(("/v2/hub/lib/app/blobs/" + layer).c_str());
  auto part = client_->Get(("/v2/hub/lib/app/blobs/" + layer).c_str(),
                           {{"Range", "bytes=100-199"}});
  ASSERT_TRUE(whole && part);
  EXPECT_EQ(part->status, 206);
  EXPECT_EQ(part->body, whole->body.substr(100, 100));
  auto referrers =
      client_->Get(("/v2/hub/lib/app/referrers/" + digest).c_str());
  ASSERT_TRUE(referrers);
  EXPECT_EQ(referrers->status, 200) << referrers->body;

  // Pushes, deletes and mounts under a prefix are refused, naming it.
  EXPECT_FALSE(Skopeo({"copy", "--dest-tls-verify=false", hub_image,
                       CacheRef("hub/lib/app:v9")})
                   .ok());
  auto upload = client_->Post("/v2/hub/lib/app/blobs/uploads/");
  ASSERT_TRUE(upload);
  EXPECT_EQ(upload->status, 405);
  EXPECT_THAT(upload->body, HasSubstr("UNSUPPORTED"));
  EXPECT_THAT(upload->body, HasSubstr("hub/"));
  auto deleted =
      client_->Delete(("/v2/hub/lib/app/manifests/" + digest).c_str());
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 405);
  auto mount = client_->Post(
      ("/v2/tok/x/blobs/uploads/?from=hub/lib/app&mount=" + layer).c_str());
  ASSERT_TRUE(mount);
  EXPECT_EQ(mount->status, 405);

  // Ordinary repositories beside them push and pull as ever.
  ASSERT_OK(Skopeo({"copy", "--dest-tls-verify=false", hub_image,
                    CacheRef("local/app:v1")}));
  ASSERT_OK(PullFromCache("local/app:v1"));
}

TEST_F(PullThroughTest, TagMovedUpstreamIsSeenAfterTtlAndNotBefore) {
  const absl::Duration ttl = absl::Seconds(8);
  PushToHub(Layout("v1", 3), "lib/app:v1");
  StartCache(absl::StrCat("proxy:\n  registries:\n", HubEntry("hub/", "8s")));
  absl::Time checked_after = absl::Now();
  std::string first = CachedDigest("hub/lib/app", "v1");
  ASSERT_FALSE(first.empty());
  PushToHub(Layout("v1", 4), "lib/app:v1");  // The tag moves upstream.
  std::string moved = DigestOf(HubRaw("lib/app:v1")).ToString();
  ASSERT_NE(moved, first);
  std::string seen = CachedDigest("hub/lib/app", "v1");
  if (absl::Now() - checked_after < ttl) {
    EXPECT_EQ(seen, first) << "the tag was checked upstream within ttl";
  }
  ASSERT_OK(WaitFor([&] { return CachedDigest("hub/lib/app", "v1") == moved; },
                    ttl + absl::Seconds(20)));
  EXPECT_GE(absl::Now() - checked_after, ttl);
  ASSERT_OK(PullFromCache("hub/lib/app:v1"));
}

TEST_F(PullThroughTest, UpstreamDownServesWhatIsCached) {
  PushToHub(Layout("v1", 5), "lib/app:v1");
  StartCache(absl::StrCat("proxy:\n  registries:\n", HubEntry("hub/", "0s")));
  ASSERT_OK(PullFromCache("hub/lib/app:v1"));
  absl::StatusOr<std::string> raw = CacheRaw("hub/lib/app:v1");
  ASSERT_OK(raw);
  hub_.process.reset();  // SIGKILL.

  ASSERT_OK(PullFromCache("hub/lib/app:v1"));  // Checked: fails; stale.
  ASSERT_OK(PullFromCache("hub/lib/app@" + DigestOf(*raw).ToString()));
  EXPECT_OK(cache_storaged_.process->WaitForLog("serving a cached tag",
                                                absl::Seconds(5)));
  absl::Time start = absl::Now();
  auto missing = client_->Get("/v2/hub/lib/app/manifests/never-pulled");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 503);
  EXPECT_THAT(missing->body, HasSubstr(hub_.url));
  EXPECT_LT(absl::Now() - start, absl::Seconds(15));
  EXPECT_THAT(Metrics(), HasSubstr("registry_proxy_stale_served_total"));
}

TEST_F(PullThroughTest, SixteenPullsOfAnUncachedLayerFetchItOnce) {
  const std::string blob = RandomBytes(128 << 20, 6);
  const std::string digest = PushBlobToHub("lib/big", blob);
  StartCache(absl::StrCat("proxy:\n  registries:\n", HubEntry("hub/", "10m")));
  std::vector<Received> received(16);
  std::vector<std::thread> pulls;
  for (Received& one : received) {
    pulls.emplace_back([&] {
      one = StreamGet(cache_.port, "/v2/hub/lib/big/blobs/" + digest);
    });
  }
  // Meanwhile (the fetch has started) an internal caller reads the digest
  // in a repository whose upstream lacks it: it does not get the running
  // fetch's bytes.
  EXPECT_OK(WaitFor(
      [&] {
        return absl::StrContains(
            Metrics(), "registry_proxy_cache_misses_total{registry=\"" +
                           hub_.url + "\",kind=\"blob\"}");
      },
      absl::Seconds(30)));
  absl::StatusOr<std::string> elsewhere =
      ReadBlob(*cache_storaged_.channel, "hub/lib/none", digest);
  EXPECT_TRUE(absl::IsNotFound(elsewhere.status())) << elsewhere.status();
  for (std::thread& pull : pulls) pull.join();
  for (const Received& one : received) {
    EXPECT_EQ(one.status, 200);
    EXPECT_EQ(one.bytes, static_cast<int64_t>(blob.size()));
    EXPECT_EQ(one.digest, digest);
  }
  const std::string path = "/v2/lib/big/blobs/" + digest;
  ASSERT_OK(WaitFor([&] { return HubGets(path) >= 1; }, absl::Seconds(10)));
  EXPECT_EQ(HubGets(path), 1);
  // Cached whole: served again without the upstream.
  ASSERT_OK(
      WaitFor([&] { return Stored(digest) && !HasUploads("hub/lib/big"); },
              absl::Seconds(60)));
  hub_.process.reset();
  Received again = StreamGet(cache_.port, "/v2/hub/lib/big/blobs/" + digest);
  EXPECT_EQ(again.digest, digest);
}

TEST_F(PullThroughTest, ClientLeavingMidBlobLeavesNoPartialBlob) {
  const std::string blob = RandomBytes(64 << 20, 7);
  const std::string digest = PushBlobToHub("lib/big", blob);
  StartCache(absl::StrCat("proxy:\n  registries:\n", HubEntry("hub/", "10m")));
  Received cut = StreamGet(cache_.port, "/v2/hub/lib/big/blobs/" + digest,
                           /*stop_after=*/1 << 20);
  EXPECT_LT(cut.bytes, static_cast<int64_t>(blob.size()));
  // The fetch goes on for the next client, and stores only the whole blob.
  ASSERT_OK(
      WaitFor([&] { return Stored(digest) && !HasUploads("hub/lib/big"); },
              absl::Seconds(60)));
  std::ifstream data(BlobData(digest), std::ios::binary);
  std::string stored((std::istreambuf_iterator<char>(data)),
                     std::istreambuf_iterator<char>());
  EXPECT_EQ(DigestOf(stored).ToString(), digest);
  EXPECT_EQ(HubGets("/v2/lib/big/blobs/" + digest), 1);
}

TEST_F(PullThroughTest, CutOffOrCorruptUpstreamBlobsAreNeverStored) {
  const std::string blob = RandomBytes(32 << 20, 8);
  const std::string digest = PushBlobToHub("lib/big", blob);
  absl::StatusOr<std::unique_ptr<CutRelay>> relay =
      CutRelay::Start(hub_.port, /*limit=*/4 << 20);
  ASSERT_OK(relay);
  StartCache(absl::StrCat(
      "proxy:\n  registries:\n", HubEntry("hub/", "10m"),
      HubEntry("cut/", "10m",
               absl::StrCat("https://127.0.0.1:", (*relay)->port()))));
  // The upstream's connection dies mid-blob: the client does not get it
  // whole, and nothing is stored.
  Received cut = StreamGet(cache_.port, "/v2/cut/lib/big/blobs/" + digest);
  EXPECT_LT(cut.bytes, static_cast<int64_t>(blob.size()));
  EXPECT_GE((*relay)->cuts(), 1);
  ASSERT_OK(
      WaitFor([&] { return !HasUploads("cut/lib/big"); }, absl::Seconds(30)));
  EXPECT_FALSE(std::ifstream(BlobData(digest)).good());

  // The upstream serves other bytes under the digest: the client never
  // gets them whole, nothing is stored.
  std::string hex = digest.substr(7);
  std::ofstream(absl::StrCat(hub_root_, "/docker/registry/v2/blobs/sha256/",
                             hex.substr(0, 2), "/", hex, "/data"),
                std::ios::binary | std::ios::trunc)
      << RandomBytes(blob.size(), 9);
  Received corrupt = StreamGet(cache_.port, "/v2/hub/lib/big/blobs/" + digest);
  EXPECT_LT(corrupt.bytes, static_cast<int64_t>(blob.size()));
  EXPECT_NE(corrupt.digest, digest);
  ASSERT_OK(
      WaitFor([&] { return !HasUploads("hub/lib/big"); }, absl::Seconds(30)));
  EXPECT_FALSE(std::ifstream(BlobData(digest)).good());
  EXPECT_OK(cache_storaged_.process->WaitForLog("does not hash to",
                                                absl::Seconds(5)));
}

TEST_F(PullThroughTest, CachedContentIsCollectedLikeAnyOther) {
  PushToHub(Layout("v1", 11), "lib/app:v1");
  StartCache(absl::StrCat(
      "proxy:\n  registries:\n", HubEntry("hub/", "10m"),
      "storage:\n  maintenance:\n    retention:\n      policies:\n",
      "        - repositories: [\"hub/**\"]\n          deleteuntagged: true\n",
      "          keeptags:\n            patterns: [\"^keep$\"]\n"));
  ASSERT_OK(PullFromCache("hub/lib/app:v1"));
  absl::StatusOr<std::string> raw = CacheRaw("hub/lib/app:v1");
  ASSERT_OK(raw);
  std::string layer = nlohmann::json::parse(*raw)["layers"][0]["digest"];
  ASSERT_TRUE(Stored(layer));
  // Retention drops the cached tag; the collection frees what it held,
  // beside the serving storaged.
  ASSERT_OK(RunCommand(
      {RunfilePath("storaged/storaged"), "gc", "--config=" + cache_config_,
       "--root=" + cache_root_, "--delay=0s"},
      absl::Seconds(60)));
  EXPECT_FALSE(Stored(layer));
  EXPECT_FALSE(Stored(DigestOf(*raw).ToString()));
  // And the next pull fetches it again.
  ASSERT_OK(PullFromCache("hub/lib/app:v1"));
  EXPECT_TRUE(Stored(layer));
}

TEST_F(PullThroughTest, WholeRegistryFormMirrorsEveryRepository) {
  PushToTok(Layout("v2", 10), "team/tool:v2");
  StartCache(absl::StrCat("proxy:\n  remoteurl: http://", tok_.host,
                          "\n  credentialsfile: ", mirror_credentials_,
                          "\n  ttl: 1m\n"));
  ASSERT_OK(PullFromCache("team/tool:v2"));
  auto upload = client_->Post("/v2/anything/blobs/uploads/");
  ASSERT_TRUE(upload);
  EXPECT_EQ(upload->status, 405);
  EXPECT_THAT(upload->body, HasSubstr("mirrors http://" + tok_.host));
}

TEST_F(PullThroughTest, BadProxyConfigIsRefusedAtStartWithFileAndLine) {
  struct Case {
    std::string yaml;
    std::string where;  // FILE:LINE.
    std::string message;
  };
  const std::vector<Case> cases = {
      {"proxy:\n  registries:\n    - prefix: hub/\n      ttl: 1m\n",
       "storaged.yml:3: ", "a proxied registry needs remoteurl"},
      {"proxy:\n  registries:\n    - prefix: hub/\n      remoteurl: "
       "ftp://x\n",
       "storaged.yml:4: ", "must start with https:// or http://"},
      {"proxy:\n  registries:\n    - prefix: hub/\n      remoteurl: "
       "https://a\n    - prefix: hub\n      remoteurl: https://b\n",
       "storaged.yml:5: ", "is given twice"},
  };
  for (const Case& c : cases) {
    std::string config = WriteFile("storaged.yml", c.yaml);
    absl::StatusOr<std::string> ran =
        RunCommand({RunfilePath("storaged/storaged"), "--config=" + config,
                    "--root=" + NewTempDir("root"), "--listen=127.0.0.1:0"},
                   absl::Seconds(20));
    ASSERT_FALSE(ran.ok()) << c.yaml;
    EXPECT_THAT(std::string(ran.status().message()), HasSubstr(c.where));
    EXPECT_THAT(std::string(ran.status().message()), HasSubstr(c.message));
  }
}

}  // namespace
}  // namespace registry::testing
