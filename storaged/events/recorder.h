// How storaged's services record events (issue 14): the event of an action
// on a target, with the request fields the gateway sent as the call's
// metadata (request_origin.h), kept only when some endpoint takes it, and
// stored in the event log before the call is answered. Thread-safe.
#ifndef REGISTRY_STORAGED_EVENTS_RECORDER_H_
#define REGISTRY_STORAGED_EVENTS_RECORDER_H_

#include <grpcpp/server_context.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/optional.h"
#include "storaged/events/event.h"
#include "storaged/events/event_log.h"
#include "storaged/events/notifications_config.h"

namespace registry::events {

class Recorder {
 public:
  struct Options {
    bool include_references = false;
    std::vector<EndpointConfig> endpoints;
    std::string source_addr;  // This storaged's "host:port".
  };

  // Records into `log`, calling `stored` after each stored event (to wake
  // delivery). Both must outlive the recorder.
  Recorder(EventLog* log, std::function<void()> stored, Options options);

  // The event's JSON, or nullopt when every endpoint ignores it.
  absl::optional<std::string> Build(const grpc::ServerContextBase& context,
                                    absl::string_view action,
                                    Target target) const;

  // Stores the event durably (handlers on gRPC's sync API): OK at once when
  // no endpoint takes it; the log's error when it cannot be stored.
  absl::Status Record(const grpc::ServerContextBase& context,
                      absl::string_view action, Target target);

  // Stores the event, then calls `done` with the outcome, on the log's
  // writer thread (or at once when no endpoint takes it): for handlers on
  // the callback API, which must not block.
  void RecordThen(const grpc::ServerContextBase& context,
                  absl::string_view action, Target target, EventLog::Done done);

  // This storaged's "host:port" for source.addr (known once it listens).
  void set_source_addr(std::string addr);

  // Whether manifest events list the descriptors the manifest names.
  bool include_references() const { return options_.include_references; }

 private:
  EventLog* const log_;
  const std::function<void()> stored_;
  const Options options_;
  mutable absl::Mutex mu_;
  std::string source_addr_ ABSL_GUARDED_BY(mu_);
};

// The descriptors a manifest names (config and layers, or an index's
// manifests), for target.references; none when it cannot be parsed.
std::vector<Reference> ManifestReferences(absl::string_view content);

}  // namespace registry::events

#endif  // REGISTRY_STORAGED_EVENTS_RECORDER_H_
