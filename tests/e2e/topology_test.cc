// Two storaged processes on one root behind two gateways, each gateway
// balancing over both (round_robin): an upload begun on one gateway
// continues on the other, a tag pushed through one is read through the other
// at once, and with one storaged killed (SIGKILL) mid-run, pushes and pulls
// keep working through the other. Concurrent manifest puts and deletes in
// one repository linearize per tag.
#include <httplib.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/digest.h"
#include "gtest/gtest.h"
#include "tests/testing/gateway_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_data.h"

namespace registry::testing {
namespace {

constexpr char kOciManifest[] = "application/vnd.oci.image.manifest.v1+json";

class TopologyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = NewTempDir("root");
    for (StoragedProcess& s : storaged_) {
      absl::StatusOr<StoragedProcess> started = StartStoraged(root_);
      ASSERT_OK(started);
      s = *std::move(started);
    }
    std::string target =
        absl::StrCat("ipv4:", storaged_[0].address, ",", storaged_[1].address);
    for (int i = 0; i < 2; ++i) {
      absl::StatusOr<GatewayProcess> gateway = StartGateway(target);
      ASSERT_OK(gateway);
      gateways_[i] = *std::move(gateway);
      clients_[i] =
          std::make_unique<httplib::Client>("127.0.0.1", gateways_[i].port);
      clients_[i]->set_read_timeout(30);
    }
  }

  httplib::Client& G(int i) { return *clients_[i]; }

  // Pushes a blob and a manifest tagged `tag` through gateway `g`; returns
  // the manifest digest, or "" on any failure.
  std::string PushImage(int g, const std::string& repo, const std::string& tag,
                        uint64_t seed) {
    std::string layer = Chunk(seed, 64 << 10);
    std::string layer_digest = DigestOf(layer).ToString();
    auto blob = G(g).Post(
        absl::StrCat("/v2/", repo, "/blobs/uploads/?digest=", layer_digest),
        layer, "application/octet-stream");
    if (!blob || blob->status != 201) return "";
    std::string manifest = absl::StrCat(
        R"({"schemaVersion":2,"mediaType":")", kOciManifest,
        R"(","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")",
        layer_digest, R"(","size":)", layer.size(), R"(},"layers":[]})");
    auto put = G(g).Put(absl::StrCat("/v2/", repo, "/manifests/", tag),
                        manifest, kOciManifest);
    if (!put || put->status != 201) return "";
    return DigestOf(manifest).ToString();
  }

  std::string root_;
  StoragedProcess storaged_[2];
  GatewayProcess gateways_[2];
  std::unique_ptr<httplib::Client> clients_[2];
};

TEST_F(TopologyTest, UploadBegunOnOneGatewayContinuesOnTheOther) {
  auto start =
      G(0).Post("/v2/t/up/blobs/uploads/", "", "application/octet-stream");
  ASSERT_TRUE(start);
  ASSERT_EQ(start->status, 202);
  std::string location = start->get_header_value("Location");
  std::string a = Chunk(1, 1 << 20), b = Chunk(2, 1 << 20);
  auto patch = G(1).Patch(location.c_str(),
                          {{"Content-Range", absl::StrCat("0-", a.size() - 1)}},
                          a, "application/octet-stream");
  ASSERT_TRUE(patch);
  ASSERT_EQ(patch->status, 202);
  std::string digest = DigestOf(a + b).ToString();
  auto put = G(0).Put(
      (patch->get_header_value("Location") + "?digest=" + digest).c_str(),
      {{"Content-Range", absl::StrCat(a.size(), "-", a.size() + b.size() - 1)}},
      b, "application/octet-stream");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 201) << put->body;
  for (int g = 0; g < 2; ++g) {
    auto get = G(g).Get(("/v2/t/up/blobs/" + digest).c_str());
    ASSERT_TRUE(get);
    EXPECT_TRUE(get->body == a + b);
  }
}

TEST_F(TopologyTest, TagPushedThroughOneIsReadThroughTheOtherAtOnce) {
  for (int round = 0; round < 20; ++round) {
    int writer = round % 2;
    std::string digest = PushImage(writer, "t/tag", "latest", round);
    ASSERT_FALSE(digest.empty()) << "round " << round;
    auto head = G(1 - writer).Head("/v2/t/tag/manifests/latest");
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 200);
    EXPECT_EQ(head->get_header_value("Docker-Content-Digest"), digest)
        << "round " << round << ": the other gateway saw a stale tag";
  }
}

TEST_F(TopologyTest, KeepsWorkingWhenOneStoragedIsKilled) {
  constexpr int kRounds = 40;
  std::atomic<int> round{0};
  std::thread killer([&] {
    while (round < 5) absl::SleepFor(absl::Milliseconds(5));
    storaged_[0].process->Signal(SIGKILL);
  });
  int failures = 0;
  int last_failure = -1;
  for (; round < kRounds; ++round) {
    int g = round % 2;
    std::string repo = absl::StrCat("t/kill", round.load());
    std::string digest = PushImage(g, repo, "v1", 1000 + round);
    bool ok = !digest.empty();
    if (ok) {
      auto get = G(1 - g).Get(absl::StrCat("/v2/", repo, "/manifests/v1"));
      ok = get && get->status == 200 &&
           get->get_header_value("Docker-Content-Digest") == digest;
    }
    if (!ok) {
      ++failures;
      last_failure = round;
    }
  }
  killer.join();
  EXPECT_TRUE(storaged_[0].process->Wait(absl::Seconds(5)).ok());
  // Only a request in flight at the moment of the kill may fail.
  EXPECT_LE(failures, 2) << "last failure in round " << last_failure;
  EXPECT_LT(last_failure, 10);
}

TEST_F(TopologyTest, ConcurrentPutsAndDeletesOfManifestsLinearizePerTag) {
  const std::string repo = "t/race";
  // Four manifests over one layer, told apart by an annotation.
  std::string layer = Chunk(7, 4 << 10);
  std::string layer_digest = DigestOf(layer).ToString();
  auto blob = G(0).Post(
      absl::StrCat("/v2/", repo, "/blobs/uploads/?digest=", layer_digest),
      layer, "application/octet-stream");
  ASSERT_TRUE(blob);
  ASSERT_EQ(blob->status, 201);
  std::vector<std::string> manifests, digests;
  for (int i = 0; i < 4; ++i) {
    manifests.push_back(absl::StrCat(
        R"({"schemaVersion":2,"mediaType":")", kOciManifest,
        R"(","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")",
        layer_digest, R"(","size":)", layer.size(),
        R"(},"layers":[],"annotations":{"n":")", i, R"("}})"));
    digests.push_back(DigestOf(manifests.back()).ToString());
  }
  const std::vector<std::string> tags = {"a", "b", "c"};

  // Pushes and deletes (by tag and by digest) through both gateways, for a
  // bounded time; every answer must be one the spec names.
  std::atomic<int> unexpected{0}, requests{0};
  std::mutex mu;
  std::string first_unexpected;
  auto record = [&](const httplib::Result& r, std::vector<int> allowed,
                    const std::string& what) {
    ++requests;
    int status = r ? r->status : -1;
    for (int ok : allowed) {
      if (status == ok) return;
    }
    if (unexpected++ == 0) {
      std::lock_guard<std::mutex> lock(mu);
      first_unexpected =
          absl::StrCat(what, " -> ", status, " ", r ? r->body : std::string());
    }
  };
  const absl::Time end = absl::Now() + absl::Seconds(6);
  std::vector<std::thread> workers;
  for (int w = 0; w < 6; ++w) {
    workers.emplace_back([&, w] {
      httplib::Client client("127.0.0.1", gateways_[w % 2].port);
      client.set_read_timeout(30);
      for (int i = 0; absl::Now() < end; ++i) {
        const std::string& tag = tags[(w + i) % tags.size()];
        const int m = (w * 7 + i) % manifests.size();
        std::string base = absl::StrCat("/v2/", repo, "/manifests/");
        switch ((w + i) % 3) {
          case 0:
            record(client.Put(base + tag, manifests[m], kOciManifest), {201},
                   "PUT " + tag);
            break;
          case 1:
            record(client.Delete(base + tag), {202, 404}, "DELETE " + tag);
            break;
          default:
            record(client.Delete(base + digests[m]), {202, 404},
                   "DELETE " + digests[m]);
        }
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  std::cout << requests << " concurrent manifest requests\n";
  EXPECT_EQ(unexpected, 0) << "first: " << first_unexpected;

  // Every tag listed resolves, on both gateways, to one of the manifests.
  for (int g = 0; g < 2; ++g) {
    auto list = G(g).Get(absl::StrCat("/v2/", repo, "/tags/list"));
    ASSERT_TRUE(list);
    ASSERT_EQ(list->status, 200) << list->body;
    for (const std::string& tag : tags) {
      bool listed = absl::StrContains(list->body, "\"" + tag + "\"");
      auto got = G(g).Get(absl::StrCat("/v2/", repo, "/manifests/", tag),
                          {{"Accept", kOciManifest}});
      ASSERT_TRUE(got);
      EXPECT_EQ(got->status, listed ? 200 : 404)
          << "tag " << tag << " in " << list->body;
      if (listed) {
        EXPECT_NE(std::find(digests.begin(), digests.end(),
                            got->get_header_value("Docker-Content-Digest")),
                  digests.end());
      }
    }
  }
}

TEST_F(TopologyTest, RetriedFinalPutsThroughBothGatewaysStoreTheChunkOnce) {
  for (int round = 0; round < 10; ++round) {
    const std::string head = Chunk(40 + round, 512 << 10);
    const std::string tail = Chunk(80 + round, 64 << 10);
    const std::string digest = DigestOf(head + tail).ToString();
    auto start = G(0).Post("/v2/t/retry/blobs/uploads/", "", "");
    ASSERT_TRUE(start);
    ASSERT_EQ(start->status, 202);
    std::string location = start->get_header_value("Location");
    auto patched = G(0).Patch(location, head, "application/octet-stream");
    ASSERT_TRUE(patched);
    ASSERT_EQ(patched->status, 202);
    location = patched->get_header_value("Location");
    // The final PUT with the last chunk and no Content-Range, sent again
    // while the first is in flight, through both gateways.
    std::vector<std::thread> puts;
    std::atomic<int> created{0};
    std::mutex mu;
    std::string failure;
    for (int i = 0; i < 4; ++i) {
      puts.emplace_back([&, i] {
        httplib::Client client("127.0.0.1", gateways_[i % 2].port);
        auto put = client.Put(
            absl::StrCat(location,
                         location.find('?') == std::string::npos ? "?" : "&",
                         "digest=", digest),
            tail, "application/octet-stream");
        if (put && put->status == 201 &&
            put->get_header_value("Docker-Content-Digest") == digest) {
          ++created;
        } else {
          std::lock_guard<std::mutex> lock(mu);
          failure = put ? absl::StrCat(put->status, " ", put->body) : "none";
        }
      });
    }
    for (std::thread& put : puts) put.join();
    EXPECT_EQ(created, 4) << "round " << round << ": " << failure;
    auto pulled = G(1).Get(absl::StrCat("/v2/t/retry/blobs/", digest));
    ASSERT_TRUE(pulled);
    EXPECT_EQ(pulled->status, 200);
    EXPECT_TRUE(pulled->body == head + tail) << "round " << round;
  }
}

}  // namespace
}  // namespace registry::testing
