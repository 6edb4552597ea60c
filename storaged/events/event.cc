#include "storaged/events/event.h"

#include <nlohmann/json.hpp>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace registry::events {
namespace {

using Json = nlohmann::ordered_json;

std::string TargetUrl(const Event& event) {
  const Target& target = event.target;
  if (event.origin.host.empty() || target.digest.empty()) return "";
  const std::string scheme =
      event.origin.scheme.empty() ? "http" : event.origin.scheme;
  return absl::StrCat(
      scheme, "://", event.origin.host, "/v2/", target.repository,
      target.is_manifest ? "/manifests/" : "/blobs/", target.digest);
}

Json TargetJson(const Event& event) {
  const Target& target = event.target;
  Json json = Json::object();
  if (!target.media_type.empty()) json["mediaType"] = target.media_type;
  if (target.size > 0) json["size"] = target.size;
  if (!target.digest.empty()) json["digest"] = target.digest;
  if (target.size > 0) json["length"] = target.size;
  json["repository"] = target.repository;
  if (!target.from_repository.empty()) {
    json["fromRepository"] = target.from_repository;
  }
  std::string url = TargetUrl(event);
  if (!url.empty() && event.action != "delete") json["url"] = url;
  if (!target.tag.empty()) json["tag"] = target.tag;
  if (!target.references.empty()) {
    Json references = Json::array();
    for (const Reference& ref : target.references) {
      references.push_back({{"mediaType", ref.media_type},
                            {"size", ref.size},
                            {"digest", ref.digest}});
    }
    json["references"] = references;
  }
  return json;
}

}  // namespace

std::string NewEventId() {
  static thread_local std::mt19937_64 random(std::random_device{}());
  uint64_t high = random(), low = random();
  // Version 4, variant 1.
  high = (high & ~uint64_t{0xf000}) | 0x4000;
  low = (low & ~(uint64_t{3} << 62)) | (uint64_t{2} << 62);
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", high >> 32,
                         (high >> 16) & 0xffff, high & 0xffff, low >> 48,
                         low & 0xffffffffffff);
}

std::string EventJson(const Event& event) {
  Json json = Json::object();
  json["id"] = event.id;
  json["timestamp"] = absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", event.timestamp,
                                       absl::UTCTimeZone());
  json["action"] = event.action;
  json["target"] = TargetJson(event);
  json["request"] = {{"id", event.request_id},
                     {"addr", event.origin.addr},
                     {"host", event.origin.host},
                     {"method", event.origin.method},
                     {"useragent", event.origin.user_agent}};
  json["actor"] = Json::object();
  if (!event.origin.actor.empty()) json["actor"]["name"] = event.origin.actor;
  json["source"] = {{"addr", event.source_addr},
                    {"instanceID", event.instance_id}};
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string EnvelopeJson(const std::vector<std::string>& events) {
  return absl::StrCat("{\"events\":[", absl::StrJoin(events, ","), "]}");
}

}  // namespace registry::events
