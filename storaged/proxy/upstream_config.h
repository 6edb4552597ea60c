// The upstream registries storaged mirrors (issue 13): read from the
// `proxy` section of storaged's file, either Distribution's whole-registry
// form (`proxy: {remoteurl, ...}`: every repository is mirrored) or a list
// `proxy.registries` of prefixes, each mirroring one upstream. Pure.
#ifndef REGISTRY_STORAGED_PROXY_UPSTREAM_CONFIG_H_
#define REGISTRY_STORAGED_PROXY_UPSTREAM_CONFIG_H_

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/config_file.h"

namespace registry::proxy {

struct UpstreamConfig {
  // Repositories whose names start with this ("hub/") are mirrored, the
  // prefix removed upstream. Empty: every repository (the whole-registry
  // form).
  std::string prefix;
  std::string remote_url;  // "https://registry-1.docker.io" (no path).
  std::string username;    // Empty: anonymous.
  std::string password;
  absl::Duration ttl = absl::Minutes(10);  // How long a cached tag is served
                                           // before it is checked upstream.
  std::string ca_file;  // PEM CAs for https; empty: the system's.
  bool insecure_skip_verify = false;
};

// The name upstream of the mirrored repository `local`, which starts with
// the upstream's prefix: the rest of the name, with Docker Hub's "library/"
// before a one-component name (as docker adds it for docker.io).
std::string RemoteName(const UpstreamConfig& upstream, absl::string_view local);

// The keys of the proxy section, for the file's known keys.
std::set<std::string> UpstreamConfigKeys();

// The upstreams in `file` (none without a proxy section). InvalidArgument
// naming file:line for a missing or malformed remoteurl, a duplicate or
// malformed prefix, both forms at once, a bad ttl, or a credentials file
// that cannot be read or lacks username and password.
absl::StatusOr<std::vector<UpstreamConfig>> ReadUpstreams(
    const ConfigFile& file);

}  // namespace registry::proxy

#endif  // REGISTRY_STORAGED_PROXY_UPSTREAM_CONFIG_H_
