#include "storaged/events/endpoint_sink.h"

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "storaged/events/event.h"

namespace registry::events {
namespace {

// Seconds and microseconds, as httplib's timeouts take them.
std::pair<time_t, time_t> Split(absl::Duration timeout) {
  int64_t micros = absl::ToInt64Microseconds(timeout);
  return {static_cast<time_t>(micros / 1000000),
          static_cast<time_t>(micros % 1000000)};
}

}  // namespace

bool Wants(const EndpointConfig& endpoint, absl::string_view action,
           absl::string_view media_type) {
  return endpoint.ignored_actions.count(std::string(action)) == 0 &&
         endpoint.ignored_media_types.count(std::string(media_type)) == 0;
}

std::vector<std::string> EventsFor(const EndpointConfig& endpoint,
                                   absl::string_view lines) {
  std::vector<std::string> out;
  for (absl::string_view line :
       absl::StrSplit(lines, '\n', absl::SkipEmpty())) {
    nlohmann::json event = nlohmann::json::parse(line, nullptr, false);
    if (!event.is_object() || !event["action"].is_string()) continue;
    std::string media_type = event["target"].value("mediaType", "");
    if (Wants(endpoint, event["action"].get<std::string>(), media_type)) {
      out.emplace_back(line);
    }
  }
  return out;
}

EndpointSink::EndpointSink(EndpointConfig config) : config_(std::move(config)) {
  absl::string_view url = config_.url;
  size_t host_start = url.find("://") + 3;
  size_t slash = url.find('/', host_start);
  origin_ = std::string(url.substr(0, slash));
  path_ =
      slash == absl::string_view::npos ? "/" : std::string(url.substr(slash));
}

absl::Status EndpointSink::Send(const std::vector<std::string>& events) {
  httplib::Client client(origin_);
  auto [seconds, micros] = Split(config_.timeout);
  client.set_connection_timeout(seconds, micros);
  client.set_read_timeout(seconds, micros);
  client.set_write_timeout(seconds, micros);
  httplib::Headers headers;
  for (const auto& [name, value] : config_.headers)
    headers.emplace(name, value);
  httplib::Result result = client.Post(
      path_.c_str(), headers, EnvelopeJson(events), kEnvelopeMediaType);
  if (!result) {
    return absl::UnavailableError(
        absl::StrCat("endpoint ", config_.name, " (", config_.url,
                     "): ", httplib::to_string(result.error())));
  }
  if (result->status < 200 || result->status >= 400) {
    return absl::UnavailableError(absl::StrCat("endpoint ", config_.name, " (",
                                               config_.url, ") answered ",
                                               result->status));
  }
  return absl::OkStatus();
}

}  // namespace registry::events
