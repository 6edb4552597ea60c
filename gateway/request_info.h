// What a request is, from its method and path: the route's name, the
// repository it concerns and the action it needs (pull, push, delete), for
// access logs, metrics and scopes. Pure functions; thread-safe.
#ifndef REGISTRY_GATEWAY_REQUEST_INFO_H_
#define REGISTRY_GATEWAY_REQUEST_INFO_H_

#include <string>

#include "absl/strings/string_view.h"

namespace registry::gateway {

struct RequestInfo {
  // "base", "catalog", "tags", "manifest", "blob", "uploads", "upload",
  // "referrers", "healthz", "readyz", "metrics" or "unknown".
  std::string route;
  std::string repository;  // Empty when the route has none.
  // The path's last segment on routes that end in one: the manifest
  // reference, blob or subject digest, or upload id; else empty.
  std::string target;
  // "pull", "push", "delete", or "" (no repository action: base, probes).
  std::string action;
};

RequestInfo ClassifyRequest(absl::string_view method, absl::string_view path);

}  // namespace registry::gateway

#endif  // REGISTRY_GATEWAY_REQUEST_INFO_H_
