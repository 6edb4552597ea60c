// Garbage collection online, under load: two storaged replicas on one store
// (a directory, then a Ceph bucket), each collecting every 300 ms with a
// 2 s delay and deleting untagged manifests, behind two gateways; eight
// clients push images whose layers come from a shared pool, so they often
// HEAD a blob that an earlier deleted tag orphaned, skip its upload and
// name it in a manifest while a collection sweeps; they also delete tags.
// Afterwards every acknowledged tag not deleted pulls whole with skopeo,
// and a final collection leaves no blob that no tag reaches.
#include <httplib.h>

#include <atomic>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/digest.h"
#include "drivers/builtin.h"
#include "drivers/factory.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/admin.grpc.pb.h"
#include "storaged/paths.h"
#include "tests/testing/gateway_process.h"
#include "tests/testing/s3_server.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace registry::testing {
namespace {

constexpr int kClients = 8;
constexpr int kPool = 300;  // Layers shared by every client.
constexpr absl::Duration kDelay = absl::Seconds(2);
const std::vector<std::string> kRepos = {"stress/a", "stress/b"};
constexpr char kManifestType[] = "application/vnd.oci.image.manifest.v1+json";

absl::Duration RunTime() {
  const char* seconds = std::getenv("GC_STRESS_SECONDS");
  return absl::Seconds(seconds != nullptr ? std::atoi(seconds) : 60);
}

std::string LayerContent(int id) {
  std::string out;
  while (out.size() < 4096) absl::StrAppend(&out, "layer ", id, " ");
  return out;
}

struct Pushed {
  std::string repo;
  std::string tag;
  std::string digest;
};

// What the clients did.
struct Ledger {
  std::mutex mu;
  std::vector<Pushed> acknowledged;
  std::set<std::string> deleted;  // "repo:tag"
  std::vector<std::string> failures;
  std::atomic<int> head_hits{0};
  std::atomic<int> uploads{0};
  std::atomic<int> retries{0};
};

class Client {
 public:
  Client(int id, const std::string& host, Ledger* ledger)
      : id_(id), http_("http://" + host), ledger_(ledger), random_(id) {
    http_.set_read_timeout(60, 0);
  }

  void Run(absl::Time deadline) {
    for (int n = 0; absl::Now() < deadline; ++n) {
      const std::string& repo = kRepos[random_() % kRepos.size()];
      std::string tag = absl::StrCat("c", id_, "-", n);
      if (!Push(repo, tag)) continue;
      live_.push_back({repo, tag});
      if (live_.size() > 4) DeleteOne();
    }
  }

 private:
  // Makes the blob present in `repo`: HEAD, and upload only when missing.
  bool Ensure(const std::string& repo, const std::string& content) {
    std::string digest = DigestOf(content).ToString();
    auto head = http_.Head(absl::StrCat("/v2/", repo, "/blobs/", digest));
    if (head && head->status == 200) {
      ++ledger_->head_hits;
      return true;
    }
    auto started = http_.Post(absl::StrCat("/v2/", repo, "/blobs/uploads/"), "",
                              "application/octet-stream");
    if (!started || started->status != 202) return Fail("POST upload", started);
    std::string location = started->get_header_value("Location");
    const char* separator = location.find('?') == std::string::npos ? "?" : "&";
    auto put = http_.Put(absl::StrCat(location, separator, "digest=", digest),
                         content, "application/octet-stream");
    if (!put || put->status != 201) return Fail("PUT upload", put);
    ++ledger_->uploads;
    return true;
  }

  bool Push(const std::string& repo, const std::string& tag) {
    std::vector<std::string> layers;
    for (int i = 0; i < 3; ++i) {
      layers.push_back(LayerContent(static_cast<int>(random_() % kPool)));
    }
    std::string config =
        absl::StrCat(R"({"architecture":"amd64","os":"linux",)", R"("tag":")",
                     repo, ":", tag, R"("})");
    nlohmann::json manifest = {
        {"schemaVersion", 2},
        {"mediaType", kManifestType},
        {"config",
         {{"mediaType", "application/vnd.oci.image.config.v1+json"},
          {"digest", DigestOf(config).ToString()},
          {"size", config.size()}}},
        {"layers", nlohmann::json::array()}};
    for (const std::string& layer : layers) {
      manifest["layers"].push_back(
          {{"mediaType", "application/vnd.oci.image.layer.v1.tar"},
           {"digest", DigestOf(layer).ToString()},
           {"size", layer.size()}});
    }
    std::string body = manifest.dump();
    for (int attempt = 0; attempt < 5; ++attempt) {
      bool ready = Ensure(repo, config);
      for (const std::string& layer : layers)
        ready = ready && Ensure(repo, layer);
      if (!ready) return false;
      auto put = http_.Put(absl::StrCat("/v2/", repo, "/manifests/", tag), body,
                           kManifestType);
      if (put && put->status == 201) {
        std::lock_guard<std::mutex> lock(ledger_->mu);
        ledger_->acknowledged.push_back(
            {repo, tag, put->get_header_value("Docker-Content-Digest")});
        return true;
      }
      // A blob collected between its HEAD and the manifest: push it again.
      if (put && put->status == 400 &&
          absl::StrContains(put->body, "MANIFEST_BLOB_UNKNOWN")) {
        ++ledger_->retries;
        continue;
      }
      return Fail("PUT manifest", put);
    }
    return Fail("PUT manifest: blobs kept vanishing");
  }

  void DeleteOne() {
    size_t index = random_() % (live_.size() - 1);
    auto [repo, tag] = live_[index];
    live_.erase(live_.begin() + index);
    auto deleted = http_.Delete(absl::StrCat("/v2/", repo, "/manifests/", tag));
    if (!deleted || deleted->status != 202) {
      Fail("DELETE tag", deleted);
      return;
    }
    std::lock_guard<std::mutex> lock(ledger_->mu);
    ledger_->deleted.insert(absl::StrCat(repo, ":", tag));
  }

  bool Fail(const std::string& what, const httplib::Result& result) {
    return Fail(
        result ? absl::StrCat(what, ": ", result->status, " ", result->body)
               : absl::StrCat(what, ": no answer"));
  }
  bool Fail(const std::string& message) {
    std::lock_guard<std::mutex> lock(ledger_->mu);
    ledger_->failures.push_back(message);
    return false;
  }

  const int id_;
  httplib::Client http_;
  Ledger* const ledger_;
  std::mt19937 random_;
  std::deque<std::pair<std::string, std::string>> live_;
};

// How the replicas reach the store.
struct Store {
  std::string driver;  // "filesystem" or "s3".
  std::map<std::string, std::string> params;
  std::string config;  // storaged's YAML, without the gc section.
};

class GcStressTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_OK(drivers::RegisterBuiltinDrivers()); }

  // Starts two replicas with scheduled collections on `store`.
  void StartReplicas(const Store& store) {
    for (int i = 0; i < 2; ++i) {
      metrics_ports_.push_back(FreePort());
      std::string config = absl::StrCat(NewTempDir("config"), "/storaged.yml");
      std::ofstream(config)
          << store.config << "  maintenance:\n    gc:\n"
          << "      enabled: true\n      interval: 300ms\n"
          << "      delay: " << absl::FormatDuration(kDelay) << "\n"
          << "      deleteuntagged: true\n"
          << "metrics:\n  addr: 127.0.0.1:" << metrics_ports_.back() << "\n";
      absl::StatusOr<StoragedProcess> replica = StartStoraged(
          store.driver == "filesystem" ? store.params.at("rootdirectory")
                                       : NewTempDir("unused"),
          {"--driver=" + store.driver, "--config=" + config});
      ASSERT_OK(replica);
      replicas_.push_back(*std::move(replica));
    }
    std::string targets =
        absl::StrCat("ipv4:", replicas_[0].address, ",", replicas_[1].address);
    for (int i = 0; i < 2; ++i) {
      absl::StatusOr<GatewayProcess> gateway = StartGateway(targets);
      ASSERT_OK(gateway);
      gateways_.push_back(*std::move(gateway));
    }
  }

  // The final collection, through AdminService on the first replica (which
  // may be busy with a scheduled one: then it is asked again).
  void CollectNow() {
    auto stub = v1::AdminService::NewStub(replicas_[0].channel);
    absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (absl::Now() < deadline) {
      grpc::ClientContext context;
      v1::GarbageCollectRequest request;
      request.set_delete_untagged(true);
      auto reader = stub->GarbageCollect(&context, request);
      v1::GarbageCollectResponse message;
      bool summarized = false;
      while (reader->Read(&message)) summarized |= message.has_summary();
      grpc::Status status = reader->Finish();
      if (status.error_code() == grpc::StatusCode::ABORTED) continue;
      ASSERT_TRUE(status.ok()) << status.error_message();
      ASSERT_TRUE(summarized);
      return;
    }
    FAIL() << "the first replica stayed busy";
  }

  // Digests (hex) every tag now in the registry reaches.
  std::set<std::string> ReachableFromTags() {
    std::set<std::string> out;
    httplib::Client http("http://" + gateways_[0].host);
    for (const std::string& repo : kRepos) {
      auto list = http.Get(absl::StrCat("/v2/", repo, "/tags/list"));
      if (!list || list->status != 200) {
        ADD_FAILURE() << "tags/list of " << repo;
        continue;
      }
      nlohmann::json tags = nlohmann::json::parse(list->body)["tags"];
      for (const auto& tag : tags) {
        auto got = http.Get(
            absl::StrCat("/v2/", repo, "/manifests/", tag.get<std::string>()),
            {{"Accept", kManifestType}});
        if (!got || got->status != 200) {
          ADD_FAILURE() << "manifest " << repo << ":" << tag;
          continue;
        }
        out.insert(got->get_header_value("Docker-Content-Digest").substr(7));
        auto manifest = nlohmann::json::parse(got->body);
        out.insert(manifest["config"]["digest"].get<std::string>().substr(7));
        for (const auto& layer : manifest["layers"]) {
          out.insert(layer["digest"].get<std::string>().substr(7));
        }
      }
    }
    return out;
  }

  // Blob data in the store (hex), read through a driver of its own.
  std::set<std::string> StoredBlobs(const Store& store) {
    absl::StatusOr<drivers::StorageDriverPtr> driver =
        drivers::CreateDriver(store.driver, store.params);
    EXPECT_OK(driver);
    std::set<std::string> out;
    if (!driver.ok()) return out;
    EXPECT_OK(
        (*driver)->Walk(paths::BlobsRoot(), [&](const drivers::FileInfo& info) {
          if (absl::EndsWith(info.path, "/data")) {
            std::string dir = info.path.substr(0, info.path.size() - 5);
            out.insert(dir.substr(dir.rfind('/') + 1));
          }
          return drivers::WalkAction::kContinue;
        }));
    return out;
  }

  // Blobs the replicas' collections deleted, from their metrics.
  double BlobsCollected() {
    double total = 0;
    for (int port : metrics_ports_) {
      httplib::Client http("127.0.0.1", port);
      auto metrics = http.Get("/metrics");
      if (!metrics) continue;
      const std::string series = "registry_gc_deleted_total{kind=\"blob\"} ";
      size_t at = metrics->body.find(series);
      if (at != std::string::npos) {
        total += std::atof(metrics->body.c_str() + at + series.size());
      }
    }
    return total;
  }

  void Stress(const Store& store) {
    StartReplicas(store);
    if (HasFatalFailure()) return;
    Ledger ledger;
    absl::Time deadline = absl::Now() + RunTime();
    std::vector<std::thread> threads;
    for (int i = 0; i < kClients; ++i) {
      threads.emplace_back(
          [&, i] { Client(i, gateways_[i % 2].host, &ledger).Run(deadline); });
    }
    for (std::thread& thread : threads) thread.join();
    const absl::Time stopped = absl::Now();
    std::printf(
        "%zu pushes acknowledged, %zu tags deleted, %d HEAD hits (uploads "
        "skipped), %d uploads, %d pushes repeated after a blob was "
        "collected, %.0f blobs collected online\n",
        ledger.acknowledged.size(), ledger.deleted.size(),
        ledger.head_hits.load(), ledger.uploads.load(), ledger.retries.load(),
        BlobsCollected());
    if (std::getenv("GC_STRESS_METRICS") != nullptr) {
      httplib::Client m("127.0.0.1", metrics_ports_[0]);
      auto r = m.Get("/metrics");
      if (r) std::printf("%s\n", r->body.c_str());
    }
    EXPECT_THAT(ledger.failures, ::testing::IsEmpty());
    EXPECT_GT(ledger.acknowledged.size(), 20u);
    EXPECT_GT(BlobsCollected(), 0);

    // Every acknowledged tag not deleted pulls whole (skopeo checks every
    // digest) and names the manifest acknowledged.
    httplib::Client http("http://" + gateways_[1].host);
    int pulled = 0;
    for (const Pushed& pushed : ledger.acknowledged) {
      if (ledger.deleted.count(absl::StrCat(pushed.repo, ":", pushed.tag))) {
        continue;
      }
      auto head = http.Head(
          absl::StrCat("/v2/", pushed.repo, "/manifests/", pushed.tag),
          {{"Accept", kManifestType}});
      ASSERT_TRUE(head);
      EXPECT_EQ(head->get_header_value("Docker-Content-Digest"), pushed.digest)
          << pushed.repo << ":" << pushed.tag;
      std::string dir = NewTempDir("pull");
      EXPECT_OK(Skopeo({"copy", "--src-tls-verify=false",
                        absl::StrCat("docker://", gateways_[1].host, "/",
                                     pushed.repo, ":", pushed.tag),
                        absl::StrCat("oci:", dir, ":x")}))
          << pushed.repo << ":" << pushed.tag;
      ++pulled;
    }
    EXPECT_GT(pulled, 0);

    // Once everything unreachable is older than the delay, one collection
    // leaves only what the tags reach.
    absl::SleepFor(stopped + kDelay + absl::Milliseconds(500) - absl::Now());
    CollectNow();
    std::set<std::string> reachable = ReachableFromTags();
    std::vector<std::string> leftover;
    for (const std::string& hex : StoredBlobs(store)) {
      if (!reachable.count(hex)) leftover.push_back(hex);
    }
    EXPECT_THAT(leftover, ::testing::IsEmpty());
    EXPECT_FALSE(reachable.empty());
  }

  std::vector<int> metrics_ports_;
  std::vector<StoragedProcess> replicas_;
  std::vector<GatewayProcess> gateways_;
};

TEST_F(GcStressTest, TwoReplicasOnOneDirectory) {
  Store store;
  store.driver = "filesystem";
  std::string root = NewTempDir("root");
  store.params = {{"rootdirectory", root}};
  store.config = absl::StrCat("version: 0.1\nstorage:\n  filesystem:\n",
                              "    rootdirectory: ", root, "\n");
  Stress(store);
}

TEST_F(GcStressTest, TwoReplicasOnOneBucket) {
  Store store;
  store.driver = "s3";
  std::string root = absl::StrCat("gc-stress-", getpid());
  store.params = SharedS3Server().DriverParams("/" + root);
  std::ifstream in(SharedS3Server().WriteStoragedConfig(root));
  store.config.assign(std::istreambuf_iterator<char>(in),
                      std::istreambuf_iterator<char>());
  Stress(store);
}

}  // namespace
}  // namespace registry::testing
