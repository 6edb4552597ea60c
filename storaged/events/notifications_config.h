// Where storaged sends events (issue 14): the `notifications` section of
// storaged's file, with CNCF Distribution's keys and defaults, plus
// `queue.maxbytes` per endpoint. Pure.
#ifndef REGISTRY_STORAGED_EVENTS_NOTIFICATIONS_CONFIG_H_
#define REGISTRY_STORAGED_EVENTS_NOTIFICATIONS_CONFIG_H_

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/config_file.h"

namespace registry::events {

// One receiver of events.
struct EndpointConfig {
  std::string name;  // For metrics and logs; unique.
  std::string url;   // Where envelopes are POSTed (http or https).
  // Extra request headers, by name (a name may have several values).
  std::vector<std::pair<std::string, std::string>> headers;
  absl::Duration timeout = absl::Seconds(1);  // Of one POST.
  // Failures in a row before waiting `backoff` between attempts (until
  // then a failed POST is retried at once), as Distribution does.
  int64_t threshold = 10;
  absl::Duration backoff = absl::Seconds(1);
  // Events whose target has one of these media types are not sent to this
  // endpoint (`ignoredmediatypes` and `ignore.mediatypes` together).
  std::set<std::string> ignored_media_types;
  std::set<std::string> ignored_actions;  // `ignore.actions`.
  // Pending events beyond this many bytes drop the oldest.
  int64_t queue_max_bytes = int64_t{256} << 20;
};

struct NotificationsConfig {
  // Manifest events list the descriptors the manifest names.
  bool include_references = false;
  std::vector<EndpointConfig> endpoints;  // Enabled ones only.
};

// The actions events have.
inline constexpr const char* kActions[] = {"push", "pull", "delete", "mount"};

// The keys of the notifications section, and those that take lists.
std::set<std::string> NotificationsConfigKeys();
std::set<std::string> NotificationsConfigLists();

// The notifications in `file` (none without the section). InvalidArgument
// naming file:line for an endpoint without a name or url, a duplicate
// name, a url that is not http(s)://host..., a bad duration or count, an
// unknown action, or a queue.maxbytes of 0.
absl::StatusOr<NotificationsConfig> ReadNotifications(const ConfigFile& file);

}  // namespace registry::events

#endif  // REGISTRY_STORAGED_EVENTS_NOTIFICATIONS_CONFIG_H_
