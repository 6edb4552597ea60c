// storaged: the registry's storage service. Serves blobs, uploads,
// manifests, tags, catalog and referrers over gRPC on a storage driver.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/command_line.h"
#include "common/grpc_tls.h"
#include "common/log.h"
#include "common/metrics_server.h"
#include "common/server_process.h"
#include "common/stop_signals.h"
#include "drivers/builtin.h"
#include "drivers/factory.h"
#include "drivers/metered_driver.h"
#include "storaged/call_observer.h"
#include "storaged/config.h"
#include "storaged/gc_command.h"
#include "storaged/manifest_cache.h"
#include "storaged/scrub_command.h"
#include "storaged/server.h"
#include "storaged/upload_purger.h"

ABSL_FLAG(std::string, config, "",
          "YAML configuration file with Distribution's keys (grpc.*, "
          "metrics.addr, storage.*, log.level; every key is in "
          "deploy/config/storaged.yml and storaged-s3.yml); flags given on "
          "the command line override it");
ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "HOST:PORT for gRPC (grpc.addr); port 0 picks a free port");
ABSL_FLAG(std::string, driver, "filesystem",
          "storage driver: filesystem | inmemory | s3 (s3 takes its "
          "parameters from --config or the AWS environment)");
ABSL_FLAG(std::string, root, "./registry-data",
          "data directory of the filesystem driver "
          "(storage.filesystem.rootdirectory)");
ABSL_FLAG(int64_t, max_manifest_bytes, 4 << 20,
          "manifests larger than this are refused");
ABSL_FLAG(int64_t, manifest_cache_bytes, 32 << 20,
          "bytes of manifests cached in memory by digest (0: none)");
ABSL_FLAG(std::string, log_level, "info",
          "debug | info | warn | error (log.level)");
ABSL_FLAG(absl::Duration, drain_notice, absl::Seconds(2),
          "after SIGTERM/SIGINT, how long storaged reports NOT_SERVING while "
          "still serving, so gateways move their calls elsewhere");
ABSL_FLAG(absl::Duration, max_connection_age, absl::Seconds(15),
          "close each client connection after about this long (its calls "
          "finish), so gateways resolve dns:/// targets again and reach "
          "replicas added since; 0: never");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "how long in-flight calls may run after SIGTERM/SIGINT");
ABSL_FLAG(bool, repair, false,
          "scrub: quarantine blobs that do not hash to their digest and "
          "remove broken links, tags and uploads (default: report only)");
ABSL_FLAG(absl::Duration, grace, absl::Minutes(10),
          "scrub: links, tags and uploads younger than this are not judged "
          "(pushes in progress)");
ABSL_FLAG(bool, dry_run, false,
          "gc (also --dry-run): print what would be deleted, delete nothing "
          "(default: storage.maintenance.gc.dryrun)");
ABSL_FLAG(bool, delete_untagged, false,
          "gc (also --delete-untagged): delete manifests no tag reaches "
          "(default: storage.maintenance.gc.deleteuntagged)");
ABSL_FLAG(absl::Duration, delay, absl::Hours(1),
          "gc: blobs and manifests used more recently than this are kept "
          "(default: storage.maintenance.gc.delay, else 1h)");

namespace {

int Fail(const absl::Status& status) {
  registry::Log(registry::LogLevel::kError, "storaged", status.ToString());
  return 1;
}

// The values of the flags given on the command line, by config key.
std::map<std::string, std::string> FlagOverrides(int argc, char** argv) {
  std::map<std::string, std::string> overrides;
  auto given = [&](absl::string_view name) {
    return registry::FlagOnCommandLine(argc, argv, name);
  };
  if (given("listen"))
    overrides[registry::kListenKey] = absl::GetFlag(FLAGS_listen);
  if (given("driver"))
    overrides[registry::kDriverKey] = absl::GetFlag(FLAGS_driver);
  if (given("root")) overrides[registry::kRootKey] = absl::GetFlag(FLAGS_root);
  if (given("log_level")) {
    overrides[registry::kLogLevelKey] = absl::GetFlag(FLAGS_log_level);
  }
  return overrides;
}

// The options of `storaged gc`: the config file's, overridden by flags.
registry::gc::Options GcOptions(int argc, char** argv,
                                const registry::StoragedConfig& config) {
  auto given = [&](absl::string_view name) {
    return registry::FlagOnCommandLine(argc, argv, name);
  };
  registry::gc::Options options;
  options.delay = given("delay") ? absl::GetFlag(FLAGS_delay) : config.gc.delay;
  options.delete_untagged = given("delete_untagged")
                                ? absl::GetFlag(FLAGS_delete_untagged)
                                : config.gc.delete_untagged;
  options.dry_run =
      given("dry_run") ? absl::GetFlag(FLAGS_dry_run) : config.gc.dry_run;
  options.retention = config.retention;
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "the registry's storage service.\n"
      "  storaged [--config=FILE] [--listen=HOST:PORT] [--driver=filesystem "
      "--root=DIR]\n"
      "  storaged scrub [--config=FILE | --driver=NAME --root=DIR] [--repair] "
      "[--grace=10m]\n"
      "  storaged gc [--config=FILE | --driver=NAME --root=DIR] [--dry-run] "
      "[--delete-untagged] [--delay=1h]");
  registry::HandleHelpRequest(argc, argv);
  registry::AcceptDashedFlags(argc, argv, {"dry-run", "delete-untagged"});
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  const std::string command = args.size() == 2 ? args[1] : "";
  const bool scrub = command == "scrub";
  const bool gc = command == "gc";
  if (args.size() > 1 && !scrub && !gc) {
    std::fprintf(stderr,
                 "storaged: unknown command \"%s\" (commands: scrub, gc)\n",
                 args[1]);
    return 1;
  }

  absl::StatusOr<registry::StoragedConfig> config =
      registry::LoadStoragedConfig(absl::GetFlag(FLAGS_config),
                                   FlagOverrides(argc, argv));
  if (!config.ok()) return Fail(config.status());
  absl::StatusOr<registry::LogLevel> level =
      registry::ParseLogLevel(config->log_level);
  if (!level.ok()) return Fail(level.status());
  registry::SetLogLevel(*level);

  registry::InitServerProcess();

  absl::Status registered = registry::drivers::RegisterBuiltinDrivers();
  if (!registered.ok()) return Fail(registered);
  absl::StatusOr<registry::drivers::StorageDriverPtr> driver =
      registry::drivers::CreateDriver(config->driver, config->driver_params);
  if (!driver.ok()) return Fail(driver.status());
  if (scrub) {
    registry::ScrubOptions options;
    options.repair = absl::GetFlag(FLAGS_repair);
    options.grace = absl::GetFlag(FLAGS_grace);
    return registry::RunScrubCommand(**driver, options);
  }
  if (gc)
    return registry::RunGcCommand(**driver, GcOptions(argc, argv, *config));
  registry::drivers::DeclareDriverMetrics();
  registry::DeclareRpcMetrics();
  registry::DeclareCacheMetrics();
  registry::gc::DeclareGcMetrics();
  registry::MetricsServer metrics;
  if (!config->metrics_listen.empty()) {
    absl::StatusOr<int> metrics_port = metrics.Start(config->metrics_listen);
    if (!metrics_port.ok()) return Fail(metrics_port.status());
    registry::Log(registry::LogLevel::kInfo, "storaged",
                  absl::StrCat("metrics on ",
                               config->metrics_listen.substr(
                                   0, config->metrics_listen.rfind(':')),
                               ":", *metrics_port, "/metrics"));
  }

  registry::ManifestStoreOptions store_options;
  store_options.max_manifest_bytes = absl::GetFlag(FLAGS_max_manifest_bytes);
  store_options.cache_bytes = absl::GetFlag(FLAGS_manifest_cache_bytes);
  registry::ServerOptions server_options;
  server_options.listen = config->listen;
  server_options.redirect = config->redirect;
  server_options.gc = config->gc;
  server_options.retention = config->retention;
  server_options.upstreams = config->upstreams;
  server_options.notifications = config->notifications;
  server_options.max_connection_age = absl::GetFlag(FLAGS_max_connection_age);
  if (const char* tmp = std::getenv("TMPDIR"); tmp != nullptr && *tmp) {
    server_options.spool_dir = tmp;
  }
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      registry::GrpcServerCredentials(config->tls_certificate, config->tls_key,
                                      config->client_cas);
  if (!credentials.ok()) return Fail(credentials.status());
  server_options.credentials = *std::move(credentials);
  auto storage = std::make_unique<registry::Storage>(
      registry::drivers::NewMeteredDriver(*std::move(driver)), store_options,
      config->policy);
  registry::UploadStore* uploads = &storage->uploads;
  registry::StoragedServer server(std::move(storage), server_options);
  // Declared after the server, so it stops before the storage goes away.
  registry::UploadPurger purger(uploads, config->purging);
  absl::StatusOr<int> port = server.Start();
  if (!port.ok()) return Fail(port.status());

  std::string host =
      server_options.listen.substr(0, server_options.listen.rfind(':'));
  registry::Log(
      registry::LogLevel::kInfo, "storaged",
      absl::StrCat("listening on ", host, ":", *port,
                   " driver=", config->driver,
                   config->driver_params.count("rootdirectory")
                       ? " root=" + config->driver_params["rootdirectory"]
                       : ""));

  if (config->gc.enabled) {
    registry::Log(registry::LogLevel::kInfo, "storaged",
                  absl::StrCat("garbage collection every ",
                               absl::FormatDuration(config->gc.interval),
                               config->gc.dry_run ? " (dry run)" : ""));
  }
  if (!config->notifications.endpoints.empty()) {
    registry::Log(
        registry::LogLevel::kInfo, "storaged",
        absl::StrCat("events go to ", config->notifications.endpoints.size(),
                     " endpoint(s)"));
  }
  if (config->policy.read_only) {
    registry::Log(registry::LogLevel::kInfo, "storaged",
                  "read-only mode: every write is refused");
  } else if (!config->policy.delete_enabled) {
    registry::Log(registry::LogLevel::kInfo, "storaged",
                  "deletes are disabled");
  }
  std::thread stopper = registry::OnStopSignal([&](int signal) {
    registry::Log(registry::LogLevel::kInfo, "storaged",
                  absl::StrCat("signal ", signal, ": draining"));
    server.Shutdown(absl::GetFlag(FLAGS_shutdown_grace),
                    absl::GetFlag(FLAGS_drain_notice));
  });
  server.Wait();
  stopper.join();
  registry::Log(registry::LogLevel::kInfo, "storaged", "stopped");
  return 0;
}
