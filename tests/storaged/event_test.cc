// Events serialize as docker-registry 2.8 sends them: the expected texts
// below are its envelopes for a skopeo push, a mount and a delete, with
// ids, times and addresses replaced.
#include "storaged/events/event.h"

#include <nlohmann/json.hpp>
#include <set>

#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace registry::events {
namespace {

using Json = nlohmann::ordered_json;

constexpr char kManifest[] =
    "sha256:f6c02e5211fcace29505e1303cde6e1c9a430efe929f733b3d0f1cd1568ebb56";
constexpr char kConfig[] =
    "sha256:1950b7d1943f324057984c214c88c5058aaa82301761b8a8b74d9deacc16bcc7";
constexpr char kLayer[] =
    "sha256:5cf25af574e0725e220cc2713ae9296afed8dce541ff7f425a3162fb873d007b";

Event Base(const char* action, const char* method) {
  Event event;
  event.id = "5d3d18bd-7fbb-4636-9e17-9ae5697798db";
  event.timestamp = absl::FromCivil(absl::CivilSecond(2026, 12, 3, 17, 24, 12),
                                    absl::UTCTimeZone()) +
                    absl::Nanoseconds(564702818);
  event.action = action;
  event.request_id = "5967b74e-09ee-45dd-b1e3-c861a94aef66";
  event.origin.addr = "127.0.0.1:51178";
  event.origin.host = "127.0.0.1:47712";
  event.origin.method = method;
  event.origin.user_agent = "skopeo/1.9.3";
  event.origin.scheme = "http";
  event.source_addr = "vm:47712";
  event.instance_id = "680c2767-de71-4279-a7f3-637fd061e5ab";
  return event;
}

std::string Expected(const std::string& action, const std::string& target,
                     const std::string& method) {
  return R"({"id":"5d3d18bd-7fbb-4636-9e17-9ae5697798db",)"
         R"("timestamp":"2026-12-03T17:24:12.564702818Z","action":")" +
         action + R"(","target":)" + target +
         R"(,"request":{"id":"5967b74e-09ee-45dd-b1e3-c861a94aef66",)"
         R"("addr":"127.0.0.1:51178","host":"127.0.0.1:47712","method":")" +
         method +
         R"(","useragent":"skopeo/1.9.3"},"actor":{},)"
         R"("source":{"addr":"vm:47712",)"
         R"("instanceID":"680c2767-de71-4279-a7f3-637fd061e5ab"}})";
}

TEST(EventTest, ABlobPushIsDistributionsEvent) {
  Event event = Base("push", "PUT");
  event.target.media_type = "application/octet-stream";
  event.target.size = 114;
  event.target.digest = kLayer;
  event.target.repository = "ns/app";
  EXPECT_EQ(EventJson(event),
            Expected("push",
                     std::string(R"({"mediaType":"application/octet-stream",)"
                                 R"("size":114,"digest":")") +
                         kLayer +
                         R"(","length":114,"repository":"ns/app",)"
                         R"("url":"http://127.0.0.1:47712/v2/ns/app/blobs/)" +
                         kLayer + R"("})",
                     "PUT"));
}

TEST(EventTest, AManifestPushCarriesItsTagAndReferences) {
  Event event = Base("push", "PUT");
  event.target.media_type = "application/vnd.oci.image.manifest.v1+json";
  event.target.size = 418;
  event.target.digest = kManifest;
  event.target.repository = "ns/app";
  event.target.tag = "v1";
  event.target.is_manifest = true;
  event.target.references = {
      {"application/vnd.oci.image.config.v1+json", 159, kConfig},
      {"application/vnd.oci.image.layer.v1.tar+gzip", 114, kLayer}};
  EXPECT_EQ(
      EventJson(event),
      Expected(
          "push",
          std::string(
              R"({"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
              R"("size":418,"digest":")") +
              kManifest +
              R"(","length":418,"repository":"ns/app",)"
              R"("url":"http://127.0.0.1:47712/v2/ns/app/manifests/)" +
              kManifest +
              R"(","tag":"v1","references":[)"
              R"({"mediaType":"application/vnd.oci.image.config.v1+json",)"
              R"("size":159,"digest":")" +
              kConfig +
              R"("},{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip",)"
              R"("size":114,"digest":")" +
              kLayer + R"("}]})",
          "PUT"));
}

TEST(EventTest, MountsNameTheSourceAndDeletesHaveNoUrl) {
  Event mount = Base("mount", "POST");
  mount.target.media_type = "application/octet-stream";
  mount.target.size = 114;
  mount.target.digest = kLayer;
  mount.target.repository = "other/app";
  mount.target.from_repository = "ns/app";
  Json json = Json::parse(EventJson(mount));
  EXPECT_EQ(json["target"]["fromRepository"], "ns/app");
  EXPECT_EQ(json["target"]["url"],
            std::string("http://127.0.0.1:47712/v2/other/app/blobs/") + kLayer);

  Event manifest = Base("delete", "DELETE");
  manifest.target.digest = kManifest;
  manifest.target.repository = "ns/app";
  manifest.target.is_manifest = true;
  EXPECT_EQ(Json::parse(EventJson(manifest))["target"].dump(),
            std::string(R"({"digest":")") + kManifest +
                R"(","repository":"ns/app"})");
  Event tag = Base("delete", "DELETE");
  tag.target.repository = "ns/app";
  tag.target.tag = "v1";
  EXPECT_EQ(Json::parse(EventJson(tag))["target"].dump(),
            R"({"repository":"ns/app","tag":"v1"})");
}

TEST(EventTest, TheActorIsTheAuthenticatedUser) {
  Event event = Base("pull", "GET");
  event.origin.actor = "alice";
  event.target.repository = "ns/app";
  EXPECT_EQ(Json::parse(EventJson(event))["actor"].dump(),
            R"({"name":"alice"})");
}

TEST(EventTest, IdsAreUniqueVersion4Uuids) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewEventId();
    ASSERT_THAT(id, ::testing::MatchesRegex(
                        "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}"
                        "-[0-9a-f]{12}"));
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(EventTest, AnEnvelopeListsItsEvents) {
  Json envelope = Json::parse(EnvelopeJson({R"({"id":"a"})", R"({"id":"b"})"}));
  ASSERT_EQ(envelope["events"].size(), 2u);
  EXPECT_EQ(envelope["events"][1]["id"], "b");
  EXPECT_EQ(EnvelopeJson({}), R"({"events":[]})");
}

}  // namespace
}  // namespace registry::events
