// How storaged's services consult the pull-through cache (may be absent).
#ifndef REGISTRY_STORAGED_SERVICE_MIRRORS_H_
#define REGISTRY_STORAGED_SERVICE_MIRRORS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/names.h"
#include "storaged/proxy/pull_through.h"

namespace registry {

// Whether reads of `name` go through `mirrors` (null: no upstreams).
inline bool Mirrored(const proxy::PullThroughCache* mirrors,
                     const RepositoryName& name) {
  return mirrors != nullptr && mirrors->Mirrors(name);
}

// OK unless `name` is a mirror: then UNSUPPORTED, naming the upstream.
inline absl::Status CheckNotMirrored(const proxy::PullThroughCache* mirrors,
                                     const RepositoryName& name,
                                     absl::string_view what) {
  return mirrors == nullptr ? absl::OkStatus()
                            : mirrors->CheckWrite(name, what);
}

}  // namespace registry

#endif  // REGISTRY_STORAGED_SERVICE_MIRRORS_H_
