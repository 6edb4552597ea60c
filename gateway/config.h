// The gateway's settings: defaults, then the YAML file given by --config
// (Distribution's key names where they apply), then the flags given on the
// command line.
#ifndef REGISTRY_GATEWAY_CONFIG_H_
#define REGISTRY_GATEWAY_CONFIG_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "absl/status/statusor.h"

namespace registry::gateway {

struct GatewayConfig {
  std::string listen = "0.0.0.0:5000";              // http.addr
  std::string storaged_target = "127.0.0.1:50051";  // storaged.target
  std::string log_level = "info";                   // log.level
  std::string tls_certificate;       // http.tls.certificate (PEM); empty: HTTP
  std::string tls_key;               // http.tls.key
  std::string htpasswd_realm;        // auth.htpasswd.realm
  std::string htpasswd_path;         // auth.htpasswd.path; empty: no Basic auth
  std::string token_realm;           // auth.token.realm; empty: no token auth
  std::string token_service;         // auth.token.service
  std::string token_issuer;          // auth.token.issuer
  std::string token_rootcertbundle;  // auth.token.rootcertbundle
  std::string storaged_ca;           // storaged.tls.ca; all empty: plaintext
  std::string storaged_certificate;  // storaged.tls.certificate (client)
  std::string storaged_key;          // storaged.tls.key
  std::string blob_cache_path;       // cache.blobs.path; empty: no cache
  int64_t blob_cache_max_bytes = 0;  // cache.blobs.maxbytes
};

// Every key the file may hold.
const std::set<std::string>& GatewayConfigKeys();

inline constexpr char kListenKey[] = "http.addr";
inline constexpr char kStoragedKey[] = "storaged.target";
inline constexpr char kLogLevelKey[] = "log.level";

// The settings from `path` (none when empty) with `overrides` (by key)
// applied. InvalidArgument naming the key and line for a bad file, or for
// half a TLS, htpasswd, token or cache.blobs setting, a cache.blobs.maxbytes
// of 0, or two kinds of auth; NotFound
// when it cannot be read.
absl::StatusOr<GatewayConfig> LoadGatewayConfig(
    const std::string& path,
    const std::map<std::string, std::string>& overrides);

}  // namespace registry::gateway

#endif  // REGISTRY_GATEWAY_CONFIG_H_
