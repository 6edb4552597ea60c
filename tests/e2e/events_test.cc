// Events end to end (issue 14): skopeo pushes and pulls through the real
// gateway and storaged, a receiver in the test gets Distribution's
// envelopes, the same flow against docker-registry sends the same actions
// for the same targets, events stored before a SIGKILL arrive after a
// restart, and ignore rules hold.
#include <httplib.h>
#include <signal.h>

#include <fstream>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/docker_registry_process.h"
#include "tests/testing/event_receiver.h"
#include "tests/testing/gateway_process.h"
#include "tests/testing/oci_layout.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/storaged_process.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/wait.h"

namespace registry::testing {
namespace {

using ::testing::IsSupersetOf;
using ::testing::MatchesRegex;

// What an event is about: action, repository, digest, tag, media type.
using Key =
    std::tuple<std::string, std::string, std::string, std::string, std::string>;

Key KeyOf(const nlohmann::json& event) {
  const nlohmann::json& target = event["target"];
  return {event.value("action", ""), target.value("repository", ""),
          target.value("digest", ""), target.value("tag", ""),
          target.value("mediaType", "")};
}

std::set<Key> Keys(const std::vector<nlohmann::json>& events) {
  std::set<Key> keys;
  for (const nlohmann::json& event : events) keys.insert(KeyOf(event));
  return keys;
}

// How many events each key has.
std::map<Key, int> Counts(const std::vector<nlohmann::json>& events) {
  std::map<Key, int> counts;
  for (const nlohmann::json& event : events) ++counts[KeyOf(event)];
  return counts;
}

// Writes storaged's configuration with one endpoint at `url`.
std::string NotificationsConfig(const std::string& url,
                                const std::string& extra = "") {
  std::string path = NewTempDir("config") + "/storaged.yml";
  std::ofstream(path) << "notifications:\n"
                      << "  events:\n    includereferences: true\n"
                      << "  endpoints:\n    - name: test\n      url: " << url
                      << "\n      backoff: 100ms\n"
                      << extra;
  return path;
}

struct Image {
  std::string dir;
  std::string manifest;            // "sha256:..."
  std::vector<std::string> blobs;  // Config and layers, "sha256:...".
};

Image MakeImage(uint64_t seed) {
  Image image;
  OciLayout layout(NewTempDir("image"));
  absl::StatusOr<OciDescriptor> manifest =
      layout.AddImage({1 << 10, 3 << 10}, "amd64", seed);
  EXPECT_OK(manifest);
  layout.Tag("v1", *manifest);
  EXPECT_OK(layout.Finish());
  image.dir = layout.dir();
  image.manifest = manifest->digest;
  for (const std::string& hex : LayoutBlobs(layout.dir())) {
    std::string digest = "sha256:" + hex;
    if (digest != image.manifest) image.blobs.push_back(digest);
  }
  return image;
}

absl::Status Push(const Image& image, const std::string& host,
                  const std::string& repo_tag) {
  return Skopeo({"copy", "--dest-tls-verify=false", "oci:" + image.dir + ":v1",
                 absl::StrCat("docker://", host, "/", repo_tag)})
      .status();
}

absl::Status Pull(const std::string& host, const std::string& repo_tag) {
  return Skopeo({"copy", "--src-tls-verify=false",
                 absl::StrCat("docker://", host, "/", repo_tag),
                 "oci:" + NewTempDir("pulled") + ":v1"})
      .status();
}

// The keys a push then pull of `image` as repository:v1 must produce.
std::set<Key> PushPullKeys(const Image& image, const std::string& repository) {
  const std::string manifest_type =
      "application/vnd.oci.image.manifest.v1+json";
  std::set<Key> keys = {
      {"push", repository, image.manifest, "v1", manifest_type},
      {"pull", repository, image.manifest, "v1", manifest_type}};
  for (const std::string& blob : image.blobs) {
    keys.insert({"push", repository, blob, "", "application/octet-stream"});
    keys.insert({"pull", repository, blob, "", "application/octet-stream"});
  }
  return keys;
}

bool Has(EventReceiver& receiver, const std::set<Key>& keys) {
  std::set<Key> got = Keys(receiver.events());
  for (const Key& key : keys) {
    if (got.count(key) == 0) return false;
  }
  return true;
}

TEST(EventsTest, PushAndPullSendDistributionsEventsAsDockerRegistryDoes) {
  EventReceiver ours_receiver, theirs_receiver;
  absl::StatusOr<StoragedProcess> storaged =
      StartStoraged(NewTempDir("root"),
                    {"--config=" + NotificationsConfig(ours_receiver.url())});
  ASSERT_OK(storaged);
  absl::StatusOr<GatewayProcess> gateway = StartGateway(storaged->address);
  ASSERT_OK(gateway);
  DockerRegistryOptions options;
  options.notifications_url = theirs_receiver.url();
  absl::StatusOr<DockerRegistryProcess> theirs =
      StartDockerRegistry(NewTempDir("theirs"), options);
  ASSERT_OK(theirs);
  const std::string theirs_host = theirs->url.substr(7);  // No "http://".

  Image image = MakeImage(7);
  for (const std::string& host : {gateway->host, theirs_host}) {
    ASSERT_OK(Push(image, host, "team/app:v1"));
    ASSERT_OK(Pull(host, "team/app:v1"));
  }
  const std::set<Key> expected = PushPullKeys(image, "team/app");
  ASSERT_OK(
      WaitFor([&] { return Has(ours_receiver, expected); }, absl::Seconds(30)));
  ASSERT_OK(WaitFor([&] { return Has(theirs_receiver, expected); },
                    absl::Seconds(30)));
  // The same actions for the same targets, as often, nothing more on
  // either side.
  // (Both may still be sending; the comparison below shows any difference.)
  WaitFor(
      [&] {
        return Counts(ours_receiver.events()) ==
               Counts(theirs_receiver.events());
      },
      absl::Seconds(10))
      .IgnoreError();
  EXPECT_EQ(Counts(ours_receiver.events()), Counts(theirs_receiver.events()));

  EXPECT_THAT(ours_receiver.content_types(),
              ::testing::Each(std::string(
                  "application/vnd.docker.distribution.events.v1+json")));
  std::set<std::string> ids;
  for (const nlohmann::json& event : ours_receiver.events()) {
    SCOPED_TRACE(event.dump());
    ids.insert(event.value("id", ""));
    EXPECT_THAT(
        event.value("id", ""),
        MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]"
                     "{3}-[0-9a-f]{12}"));
    EXPECT_THAT(event.value("timestamp", ""),
                MatchesRegex("20[0-9-]+T[0-9:.]+Z"));
    const nlohmann::json& target = event["target"];
    const nlohmann::json& request = event["request"];
    EXPECT_EQ(target["size"], target["length"]);
    const bool manifest = target.value("digest", "") == image.manifest;
    EXPECT_EQ(target.value("url", ""),
              absl::StrCat("http://", gateway->host, "/v2/team/app/",
                           manifest ? "manifests/" : "blobs/",
                           target.value("digest", "")));
    if (manifest) {
      ASSERT_TRUE(target["references"].is_array());
      std::set<std::string> referenced;
      for (const auto& ref : target["references"]) {
        referenced.insert(ref.value("digest", ""));
      }
      EXPECT_EQ(referenced,
                std::set<std::string>(image.blobs.begin(), image.blobs.end()));
    }
    EXPECT_FALSE(request.value("id", "").empty());
    EXPECT_THAT(request.value("addr", ""),
                MatchesRegex("127\\.0\\.0\\.1:[0-9]+"));
    EXPECT_EQ(request.value("host", ""), gateway->host);
    EXPECT_THAT(request.value("method", ""), MatchesRegex("GET|HEAD|PUT|POST"));
    EXPECT_THAT(request.value("useragent", ""), ::testing::HasSubstr("skopeo"));
    EXPECT_EQ(event["actor"], nlohmann::json::object());  // No login.
    EXPECT_FALSE(event["source"].value("instanceID", "").empty());
    EXPECT_FALSE(event["source"].value("addr", "").empty());
  }
  EXPECT_EQ(ids.size(), ours_receiver.events().size());  // Unique ids.
}

// Segment lines (event ids) stored under `root`.
std::set<std::string> StoredIds(const std::string& root) {
  std::set<std::string> ids;
  absl::StatusOr<std::string> listing = RunCommand(
      {"/usr/bin/find", root + "/docker/registry/v2/events", "-name", "*.json"},
      absl::Seconds(10));
  if (!listing.ok()) return ids;
  for (absl::string_view path :
       absl::StrSplit(*listing, '\n', absl::SkipEmpty())) {
    std::ifstream in{std::string(path)};
    std::string line;
    while (std::getline(in, line)) {
      ids.insert(nlohmann::json::parse(line).value("id", ""));
    }
  }
  return ids;
}

TEST(EventsTest, EventsStoredBeforeASigkillArriveAfterARestart) {
  EventReceiver receiver;
  receiver.Refuse(1 << 30);  // Down: every POST fails.
  const std::string root = NewTempDir("root");
  const std::string config = NotificationsConfig(receiver.url());
  absl::StatusOr<StoragedProcess> storaged =
      StartStoraged(root, {"--config=" + config});
  ASSERT_OK(storaged);
  absl::StatusOr<GatewayProcess> gateway = StartGateway(storaged->address);
  ASSERT_OK(gateway);
  std::set<Key> expected;
  for (int i = 0; i < 3; ++i) {
    Image image = MakeImage(100 + i);
    std::string repo = absl::StrCat("team/app", i);
    ASSERT_OK(Push(image, gateway->host, repo + ":v1"));
    for (const Key& key : PushPullKeys(image, repo)) {
      if (std::get<0>(key) == "push") expected.insert(key);
    }
  }
  // Acknowledged pushes: their events are in the store already.
  std::set<std::string> stored = StoredIds(root);
  EXPECT_GE(stored.size(), expected.size());
  storaged->process->Signal(SIGKILL);
  ASSERT_OK(storaged->process->Wait(absl::Seconds(10)).status());
  EXPECT_TRUE(receiver.ids().empty());

  receiver.Refuse(0);  // Back.
  absl::StatusOr<StoragedProcess> restarted =
      StartStoraged(root, {"--config=" + config});
  ASSERT_OK(restarted);
  ASSERT_OK(WaitFor(
      [&] {
        std::vector<std::string> got = receiver.ids();
        return std::set<std::string>(got.begin(), got.end()) == stored;
      },
      absl::Seconds(30)));
  EXPECT_THAT(Keys(receiver.events()), IsSupersetOf(expected));
}

TEST(EventsTest, AReplicaGoneForGoodHasItsEventsSentByTheOther) {
  EventReceiver receiver;
  receiver.Refuse(1 << 30);
  const std::string root = NewTempDir("root");
  const std::string config = NotificationsConfig(receiver.url());
  absl::StatusOr<StoragedProcess> doomed =
      StartStoraged(root, {"--config=" + config});
  ASSERT_OK(doomed);
  absl::StatusOr<StoragedProcess> survivor =
      StartStoraged(root, {"--config=" + config});
  ASSERT_OK(survivor);
  // Pushes through the replica that will die.
  absl::StatusOr<GatewayProcess> gateway = StartGateway(doomed->address);
  ASSERT_OK(gateway);
  Image image = MakeImage(21);
  ASSERT_OK(Push(image, gateway->host, "team/app:v1"));
  std::set<std::string> stored = StoredIds(root);
  ASSERT_FALSE(stored.empty());
  doomed->process->Signal(SIGKILL);
  ASSERT_OK(doomed->process->Wait(absl::Seconds(10)).status());
  receiver.Refuse(0);
  // Nothing restarts: the survivor takes the queue over.
  ASSERT_OK(WaitFor(
      [&] {
        std::vector<std::string> got = receiver.ids();
        return std::set<std::string>(got.begin(), got.end()) == stored;
      },
      absl::Seconds(30)));
  ASSERT_OK(survivor->process
                ->WaitForLog("took over the event queue", absl::Seconds(10))
                .status());
}

TEST(EventsTest, AFullQueueDropsTheOldestWithAMetric) {
  EventReceiver receiver;
  receiver.Refuse(1 << 30);
  const std::string config_path = NotificationsConfig(
      receiver.url(), "      queue:\n        maxbytes: 4096\n");
  std::ofstream(config_path, std::ios::app)
      << "metrics:\n  addr: 127.0.0.1:0\n";
  absl::StatusOr<StoragedProcess> storaged =
      StartStoraged(NewTempDir("root"), {"--config=" + config_path});
  ASSERT_OK(storaged);
  absl::StatusOr<std::string> line =
      storaged->process->WaitForLog("metrics on 127.0.0.1:", absl::Seconds(5));
  ASSERT_OK(line);
  const int metrics_port =
      std::stoi(line->substr(line->find("127.0.0.1:") + 10));
  absl::StatusOr<GatewayProcess> gateway = StartGateway(storaged->address);
  ASSERT_OK(gateway);
  std::vector<Image> images;
  for (int i = 0; i < 6; ++i) {  // About 1 KiB of events per image.
    images.push_back(MakeImage(300 + i));
    ASSERT_OK(
        Push(images.back(), gateway->host, absl::StrCat("team/app:v", i)));
  }
  receiver.Refuse(0);
  const Key last = {"push", "team/app", images.back().manifest, "v5",
                    "application/vnd.oci.image.manifest.v1+json"};
  ASSERT_OK(WaitFor([&] { return Has(receiver, {last}); }, absl::Seconds(30)));
  // The first image's events were dropped, the last's kept.
  const Key first = {"push", "team/app", images.front().manifest, "v0",
                     "application/vnd.oci.image.manifest.v1+json"};
  EXPECT_EQ(Keys(receiver.events()).count(first), 0u);
  httplib::Client metrics("127.0.0.1", metrics_port);
  auto response = metrics.Get("/metrics");
  ASSERT_TRUE(response);
  EXPECT_THAT(response->body,
              MatchesRegex("(.|\n)*registry_events_dropped_total\\{endpoint="
                           "\"test\"\\} [1-9][0-9]*(.|\n)*"));
}

TEST(EventsTest, IgnoredActionsAndMediaTypesAreNotSent) {
  EventReceiver receiver;
  absl::StatusOr<StoragedProcess> storaged = StartStoraged(
      NewTempDir("root"),
      {"--config=" +
       NotificationsConfig(receiver.url(),
                           "      ignore:\n        actions: [pull]\n"
                           "      ignoredmediatypes: "
                           "[application/octet-stream]\n")});
  ASSERT_OK(storaged);
  absl::StatusOr<GatewayProcess> gateway = StartGateway(storaged->address);
  ASSERT_OK(gateway);
  Image image = MakeImage(9);
  ASSERT_OK(Push(image, gateway->host, "team/app:v1"));
  ASSERT_OK(Pull(gateway->host, "team/app:v1"));
  const Key manifest_push = {"push", "team/app", image.manifest, "v1",
                             "application/vnd.oci.image.manifest.v1+json"};
  ASSERT_OK(WaitFor([&] { return Has(receiver, {manifest_push}); },
                    absl::Seconds(30)));
  // The pull came after the push: had it been sent, it would be here too
  // (one queue, in order) once a later event arrives.
  ASSERT_OK(Push(image, gateway->host, "team/app:v2"));
  const Key second = {"push", "team/app", image.manifest, "v2",
                      "application/vnd.oci.image.manifest.v1+json"};
  ASSERT_OK(
      WaitFor([&] { return Has(receiver, {second}); }, absl::Seconds(30)));
  EXPECT_EQ(Keys(receiver.events()), (std::set<Key>{manifest_push, second}));
}

}  // namespace
}  // namespace registry::testing
