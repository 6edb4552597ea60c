#include "storaged/config.h"

#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/config_file.h"
#include "common/status_macros.h"

namespace registry {
namespace {

const std::string kPolicies = "storage.maintenance.retention.policies";

// The retention policies, in the file's order.
absl::StatusOr<std::vector<gc::RetentionPolicy>> ReadRetention(
    const ConfigFile& file) {
  std::vector<gc::RetentionPolicy> policies;
  for (const std::string& at : file.Items(kPolicies)) {
    const size_t index = policies.size();
    auto refuse = [&](const std::string& key, absl::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat(file.Where(at + key), ": ", why));
    };
    gc::RetentionPolicy policy;
    std::vector<std::string> globs = file.Strings(at + "repositories");
    if (globs.empty()) {
      // Where() of a missing key names no line: name a key it has.
      std::string present = "repositories";
      for (const char* key :
           {"keeptags.patterns", "keeptags.mostrecent", "keeptags.pushedwithin",
            "deleteuntagged", "deletereferrers"}) {
        if (file.Has(at + key)) present = key;
      }
      return refuse(present, absl::StrCat("policy ", index,
                                          " needs repositories (globs)"));
    }
    for (const std::string& text : globs) {
      absl::StatusOr<gc::RepositoryGlob> glob = gc::RepositoryGlob::Parse(text);
      if (!glob.ok()) return refuse("repositories", glob.status().message());
      policy.repositories.push_back(*std::move(glob));
    }
    for (const std::string& pattern : file.Strings(at + "keeptags.patterns")) {
      absl::Status added = policy.AddPattern(pattern);
      if (!added.ok()) return refuse("keeptags.patterns", added.message());
    }
    if (file.Has(at + "keeptags.mostrecent")) {
      ASSIGN_OR_RETURN(policy.most_recent,
                       file.Count(at + "keeptags.mostrecent", 0));
    }
    if (file.Has(at + "keeptags.pushedwithin")) {
      ASSIGN_OR_RETURN(
          policy.pushed_within,
          file.Duration(at + "keeptags.pushedwithin", absl::ZeroDuration()));
    }
    if (file.Has(at + "deleteuntagged")) {
      ASSIGN_OR_RETURN(policy.delete_untagged,
                       file.Bool(at + "deleteuntagged", false));
    }
    ASSIGN_OR_RETURN(policy.delete_referrers,
                     file.Bool(at + "deletereferrers", false));
    policies.push_back(std::move(policy));
  }
  return policies;
}

const std::set<std::string>& DriverNames() {
  static const auto* names =
      new std::set<std::string>{"filesystem", "inmemory", "s3"};
  return *names;
}

std::string Absolute(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  char cwd[4096];
  if (getcwd(cwd, sizeof(cwd)) == nullptr) return path;
  return absl::StrCat(cwd, "/", path);
}

// The keys that take lists.
std::set<std::string> ListKeys() {
  std::set<std::string> lists = events::NotificationsConfigLists();
  for (std::string key :
       {std::string("grpc.tls.clientcas"), kPolicies + ".*.repositories",
        kPolicies + ".*.keeptags.patterns"}) {
    lists.insert(std::move(key));
  }
  return lists;
}

}  // namespace

const std::set<std::string>& StoragedConfigKeys() {
  static const auto* keys = [] {
    auto* keys = new std::set<std::string>{
        "version",
        kLogLevelKey,
        kListenKey,
        kRootKey,
        "storage.inmemory",
        "storage.redirect.disable",
        "storage.delete.enabled",
        "storage.maintenance.readonly.enabled",
        "storage.maintenance.uploadpurging.enabled",
        "storage.maintenance.uploadpurging.age",
        "storage.maintenance.uploadpurging.interval",
        "storage.maintenance.uploadpurging.dryrun",
        "storage.maintenance.gc.enabled",
        "storage.maintenance.gc.interval",
        "storage.maintenance.gc.delay",
        "storage.maintenance.gc.deleteuntagged",
        "storage.maintenance.gc.dryrun",
        kPolicies + ".*.repositories",
        kPolicies + ".*.keeptags.patterns",
        kPolicies + ".*.keeptags.mostrecent",
        kPolicies + ".*.keeptags.pushedwithin",
        kPolicies + ".*.deleteuntagged",
        kPolicies + ".*.deletereferrers",
        "grpc.tls.certificate",
        "grpc.tls.key",
        "grpc.tls.clientcas",
        "metrics.addr",
    };
    for (const std::string& key : proxy::UpstreamConfigKeys()) {
      keys->insert(key);
    }
    for (const std::string& key : events::NotificationsConfigKeys()) {
      keys->insert(key);
    }
    for (const char* s3 :
         {"region", "regionendpoint", "bucket", "accesskey", "secretkey",
          "rootdirectory", "chunksize", "forcepathstyle", "secure",
          "multipartcopythresholdsize", "multipartcopychunksize", "v4auth"}) {
      keys->insert(absl::StrCat("storage.s3.", s3));
    }
    return keys;
  }();
  return *keys;
}

absl::StatusOr<StoragedConfig> LoadStoragedConfig(
    const std::string& path,
    const std::map<std::string, std::string>& overrides) {
  StoragedConfig config;
  // The driver and its root are chosen below: they must not look like a
  // second configured driver.
  std::map<std::string, std::string> plain = overrides;
  plain.erase(kDriverKey);
  plain.erase(kRootKey);
  ASSIGN_OR_RETURN(ConfigFile file, ConfigFile::Open(path, StoragedConfigKeys(),
                                                     ListKeys(), plain));
  config.listen = file.String(kListenKey, config.listen);
  config.log_level = file.String(kLogLevelKey, config.log_level);
  ASSIGN_OR_RETURN(bool disabled, file.Bool("storage.redirect.disable", false));
  config.redirect = !disabled;
  config.tls_certificate = file.String("grpc.tls.certificate", "");
  config.tls_key = file.String("grpc.tls.key", "");
  config.client_cas = file.Strings("grpc.tls.clientcas");
  config.metrics_listen = file.String("metrics.addr", "");
  ASSIGN_OR_RETURN(config.policy.delete_enabled,
                   file.Bool("storage.delete.enabled", true));
  ASSIGN_OR_RETURN(config.policy.read_only,
                   file.Bool("storage.maintenance.readonly.enabled", false));
  const std::string purging = "storage.maintenance.uploadpurging.";
  PurgeOptions& purge = config.purging;
  ASSIGN_OR_RETURN(purge.enabled,
                   file.Bool(purging + "enabled", purge.enabled));
  ASSIGN_OR_RETURN(purge.age, file.Duration(purging + "age", purge.age));
  ASSIGN_OR_RETURN(purge.interval,
                   file.Duration(purging + "interval", purge.interval));
  ASSIGN_OR_RETURN(purge.dry_run, file.Bool(purging + "dryrun", purge.dry_run));
  if (purge.interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat(file.Where(purging + "interval"), ": ", purging,
                     "interval must be positive"));
  }

  const std::string gc = "storage.maintenance.gc.";
  gc::Schedule& schedule = config.gc;
  ASSIGN_OR_RETURN(schedule.enabled, file.Bool(gc + "enabled", false));
  ASSIGN_OR_RETURN(schedule.interval,
                   file.Duration(gc + "interval", schedule.interval));
  ASSIGN_OR_RETURN(schedule.delay, file.Duration(gc + "delay", schedule.delay));
  ASSIGN_OR_RETURN(schedule.delete_untagged,
                   file.Bool(gc + "deleteuntagged", false));
  ASSIGN_OR_RETURN(schedule.dry_run, file.Bool(gc + "dryrun", false));
  if (schedule.interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        file.Where(gc + "interval"), ": ", gc, "interval must be positive"));
  }

  ASSIGN_OR_RETURN(config.retention, ReadRetention(file));
  ASSIGN_OR_RETURN(config.upstreams, proxy::ReadUpstreams(file));
  ASSIGN_OR_RETURN(config.notifications, events::ReadNotifications(file));

  std::set<std::string> configured;
  for (const std::string& section : file.Children("storage")) {
    if (DriverNames().count(section) > 0) configured.insert(section);
  }
  if (configured.size() > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": configure one storage driver, not ",
                     absl::StrJoin(configured, " and ")));
  }
  auto driver = overrides.find(kDriverKey);
  if (driver != overrides.end()) {
    config.driver = driver->second;
  } else if (!configured.empty()) {
    config.driver = *configured.begin();
  }
  config.driver_params = file.Values(absl::StrCat("storage.", config.driver));
  if (config.driver == "filesystem") {
    config.driver_params["rootdirectory"] =
        Absolute(overrides.count(kRootKey) > 0
                     ? overrides.at(kRootKey)
                     : file.String(kRootKey, "./registry-data"));
  }
  return config;
}

}  // namespace registry
