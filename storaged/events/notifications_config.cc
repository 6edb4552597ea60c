#include "storaged/events/notifications_config.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"

namespace registry::events {
namespace {

constexpr char kEndpoints[] = "notifications.endpoints";
constexpr char kIncludeReferences[] = "notifications.events.includereferences";

// The keys of one endpoint, below "notifications.endpoints.N.".
constexpr const char* kEndpointKeys[] = {
    "name",           "disabled",          "url",
    "timeout",        "threshold",         "backoff",
    "headers.~",      "ignoredmediatypes", "ignore.mediatypes",
    "ignore.actions", "queue.maxbytes",
};
constexpr const char* kListKeys[] = {"headers.~", "ignoredmediatypes",
                                     "ignore.mediatypes", "ignore.actions"};

absl::Status Refuse(const ConfigFile& file, const std::string& key,
                    absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(file.Where(key), ": ", why));
}

// Checks "http[s]://host[:port][/path]".
bool IsHttpUrl(absl::string_view url) {
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "https://") &&
      !absl::ConsumePrefix(&rest, "http://")) {
    return false;
  }
  absl::string_view host = rest.substr(0, rest.find('/'));
  return !host.empty() && !absl::StrContains(host, "@") &&
         host.find_first_of(" \t") == absl::string_view::npos;
}

// A positive duration; Distribution's defaults stand for 0 or none.
absl::StatusOr<absl::Duration> PositiveDuration(const ConfigFile& file,
                                                const std::string& key,
                                                absl::Duration fallback) {
  ASSIGN_OR_RETURN(absl::Duration value, file.Duration(key, fallback));
  return value > absl::ZeroDuration() ? value : fallback;
}

absl::StatusOr<EndpointConfig> ReadEndpoint(const ConfigFile& file,
                                            const std::string& at) {
  EndpointConfig endpoint;
  endpoint.name = file.String(at + "name", "");
  endpoint.url = file.String(at + "url", "");
  const std::string where = file.Has(at + "name") ? at + "name" : at + "url";
  if (endpoint.name.empty()) {
    return Refuse(file, where, "a notifications endpoint needs a name");
  }
  if (endpoint.url.empty()) {
    return Refuse(file, where,
                  absl::StrCat("endpoint ", endpoint.name, " needs a url"));
  }
  if (!IsHttpUrl(endpoint.url)) {
    return Refuse(
        file, at + "url",
        absl::StrCat("endpoint ", endpoint.name, ": url \"", endpoint.url,
                     "\" must be http(s)://host[:port][/path]"));
  }
  for (const auto& [header, values] : file.Values(at + "headers")) {
    for (absl::string_view value : absl::StrSplit(values, '\n')) {
      endpoint.headers.emplace_back(header, std::string(value));
    }
  }
  ASSIGN_OR_RETURN(endpoint.timeout,
                   PositiveDuration(file, at + "timeout", endpoint.timeout));
  ASSIGN_OR_RETURN(endpoint.backoff,
                   PositiveDuration(file, at + "backoff", endpoint.backoff));
  ASSIGN_OR_RETURN(int64_t threshold, file.Count(at + "threshold", 0));
  if (threshold > 0) endpoint.threshold = threshold;
  for (const char* key : {"ignoredmediatypes", "ignore.mediatypes"}) {
    for (const std::string& type : file.Strings(at + key)) {
      endpoint.ignored_media_types.insert(type);
    }
  }
  for (const std::string& action : file.Strings(at + "ignore.actions")) {
    bool known = false;
    for (const char* name : kActions) known |= action == name;
    if (!known) {
      return Refuse(file, at + "ignore.actions",
                    absl::StrCat("unknown action \"", action,
                                 "\" (push, pull, delete or mount)"));
    }
    endpoint.ignored_actions.insert(action);
  }
  ASSIGN_OR_RETURN(endpoint.queue_max_bytes,
                   file.Count(at + "queue.maxbytes", endpoint.queue_max_bytes));
  if (endpoint.queue_max_bytes == 0) {
    return Refuse(file, at + "queue.maxbytes",
                  "queue.maxbytes must be more than 0");
  }
  return endpoint;
}

}  // namespace

std::set<std::string> NotificationsConfigKeys() {
  std::set<std::string> keys = {kIncludeReferences};
  for (const char* key : kEndpointKeys) {
    keys.insert(absl::StrCat(kEndpoints, ".*.", key));
  }
  return keys;
}

std::set<std::string> NotificationsConfigLists() {
  std::set<std::string> keys;
  for (const char* key : kListKeys) {
    keys.insert(absl::StrCat(kEndpoints, ".*.", key));
  }
  return keys;
}

absl::StatusOr<NotificationsConfig> ReadNotifications(const ConfigFile& file) {
  NotificationsConfig config;
  ASSIGN_OR_RETURN(config.include_references,
                   file.Bool(kIncludeReferences, false));
  std::set<std::string> names;
  for (const std::string& at : file.Items(kEndpoints)) {
    ASSIGN_OR_RETURN(EndpointConfig endpoint, ReadEndpoint(file, at));
    if (!names.insert(endpoint.name).second) {
      return Refuse(
          file, at + "name",
          absl::StrCat("endpoint name \"", endpoint.name, "\" is given twice"));
    }
    ASSIGN_OR_RETURN(bool disabled, file.Bool(at + "disabled", false));
    if (!disabled) config.endpoints.push_back(std::move(endpoint));
  }
  return config;
}

}  // namespace registry::events
