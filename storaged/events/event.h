// One registry event in CNCF Distribution's notification format (its
// notifications/event.go): what happened (`action`) to what (`target`), on
// whose request, seen by which instance. Serialized as Distribution sends
// it; receivers de-duplicate by `id`.
#ifndef REGISTRY_STORAGED_EVENTS_EVENT_H_
#define REGISTRY_STORAGED_EVENTS_EVENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/request_origin.h"

namespace registry::events {

// A descriptor a manifest names (target.references).
struct Reference {
  std::string media_type;
  int64_t size = 0;
  std::string digest;
};

struct Target {
  std::string media_type;  // Empty for deletes.
  int64_t size = 0;        // Sent as "size" and "length" (0: neither).
  std::string digest;      // Empty for a tag delete.
  std::string repository;
  std::string from_repository;        // Mounts only.
  std::string tag;                    // When the request named one.
  bool is_manifest = false;           // For the URL: manifests/ or blobs/.
  std::vector<Reference> references;  // Manifests, when configured.
};

struct Event {
  std::string id;  // Random, unique.
  absl::Time timestamp;
  std::string action;  // push, pull, delete, mount.
  Target target;
  std::string request_id;
  RequestOrigin origin;     // request.{addr,host,method,useragent}, actor.
  std::string source_addr;  // "host:port" of the instance.
  std::string instance_id;
};

// A new random event id (a UUID, as Distribution's).
std::string NewEventId();

// The event as one JSON object, Distribution's fields in its order. The
// target URL is built from the request's scheme and host (none without a
// host or digest).
std::string EventJson(const Event& event);

// The body POSTed to an endpoint: {"events": [...]} from EventJson texts.
std::string EnvelopeJson(const std::vector<std::string>& events);

// Its Content-Type.
inline constexpr char kEnvelopeMediaType[] =
    "application/vnd.docker.distribution.events.v1+json";

}  // namespace registry::events

#endif  // REGISTRY_STORAGED_EVENTS_EVENT_H_
