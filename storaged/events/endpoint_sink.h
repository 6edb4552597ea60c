// One notifications endpoint as a receiver of envelopes: which events it
// takes (its ignore rules) and one POST of an envelope to its URL, with
// its headers and timeout, as Distribution's httpSink does. A 2xx or 3xx
// answer is delivery; anything else, or no answer, is a failure to retry.
// Thread-compatible.
#ifndef REGISTRY_STORAGED_EVENTS_ENDPOINT_SINK_H_
#define REGISTRY_STORAGED_EVENTS_ENDPOINT_SINK_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "storaged/events/notifications_config.h"

namespace registry::events {

// Whether `endpoint` takes an event with this action and target media
// type (neither ignored).
bool Wants(const EndpointConfig& endpoint, absl::string_view action,
           absl::string_view media_type);

// The EventJson lines of `lines` (a segment) that `endpoint` takes. Lines
// that are not events are skipped.
std::vector<std::string> EventsFor(const EndpointConfig& endpoint,
                                   absl::string_view lines);

class EndpointSink {
 public:
  explicit EndpointSink(EndpointConfig config);

  // POSTs {"events": events}. Unavailable naming the endpoint and the
  // status (or the transport error) when it is not accepted.
  absl::Status Send(const std::vector<std::string>& events);

  const EndpointConfig& config() const { return config_; }

 private:
  const EndpointConfig config_;
  std::string origin_;  // scheme://host[:port]
  std::string path_;    // The URL's path and query, "/" when none.
};

}  // namespace registry::events

#endif  // REGISTRY_STORAGED_EVENTS_ENDPOINT_SINK_H_
