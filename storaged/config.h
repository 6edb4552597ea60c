// storaged's settings: defaults, then the YAML file given by --config (with
// CNCF Distribution's key names), then the flags given on the command line.
#ifndef REGISTRY_STORAGED_CONFIG_H_
#define REGISTRY_STORAGED_CONFIG_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "drivers/factory.h"
#include "storaged/events/notifications_config.h"
#include "storaged/gc/retention.h"
#include "storaged/gc/runner.h"
#include "storaged/policy.h"
#include "storaged/proxy/upstream_config.h"
#include "storaged/upload_purger.h"

namespace registry {

struct StoragedConfig {
  std::string listen = "127.0.0.1:50051";  // grpc.addr
  std::string driver = "filesystem";       // The one storage.<driver> section.
  drivers::DriverParams driver_params;     // storage.<driver>.*
  bool redirect = true;                    // !storage.redirect.disable
  WritePolicy policy;    // storage.delete.enabled, maintenance.readonly
  PurgeOptions purging;  // storage.maintenance.uploadpurging.*
  gc::Schedule gc;       // storage.maintenance.gc.*
  // storage.maintenance.retention.policies
  std::vector<gc::RetentionPolicy> retention;
  std::vector<proxy::UpstreamConfig> upstreams;  // proxy.*
  events::NotificationsConfig notifications;     // notifications.*
  std::string tls_certificate;                   // grpc.tls.certificate
  std::string tls_key;                           // grpc.tls.key
  std::vector<std::string> client_cas;  // grpc.tls.clientcas (mutual TLS)
  std::string metrics_listen;           // metrics.addr (HOST:PORT); empty: none
  std::string log_level = "info";       // log.level
};

// Every key the file may hold.
const std::set<std::string>& StoragedConfigKeys();

// Names of the settings flags override, as keys of `overrides`.
inline constexpr char kListenKey[] = "grpc.addr";
inline constexpr char kDriverKey[] = "storage.driver";  // Flag only.
inline constexpr char kRootKey[] = "storage.filesystem.rootdirectory";
inline constexpr char kLogLevelKey[] = "log.level";

// The settings from `path` (none when empty) with `overrides` applied.
// InvalidArgument naming the key and line for a bad file; NotFound when it
// cannot be read.
absl::StatusOr<StoragedConfig> LoadStoragedConfig(
    const std::string& path,
    const std::map<std::string, std::string>& overrides);

}  // namespace registry

#endif  // REGISTRY_STORAGED_CONFIG_H_
