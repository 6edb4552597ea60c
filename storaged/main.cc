// storaged: the registry's storage service. Serves blobs, uploads,
// manifests, tags, catalog and referrers over gRPC on a storage driver.
#include <cstdio>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/log.h"
#include "common/server_process.h"
#include "common/stop_signals.h"
#include "drivers/builtin.h"
#include "drivers/factory.h"
#include "storaged/server.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "HOST:PORT for gRPC; port 0 picks a free port");
ABSL_FLAG(std::string, driver, "filesystem",
          "storage driver: filesystem | inmemory");
ABSL_FLAG(std::string, root, "./registry-data",
          "data directory of the filesystem driver");
ABSL_FLAG(int64_t, max_manifest_bytes, 4 << 20,
          "manifests larger than this are refused");
ABSL_FLAG(int64_t, manifest_cache_bytes, 32 << 20,
          "bytes of manifests cached in memory by digest (0: none)");
ABSL_FLAG(std::string, log_level, "info", "debug | info | warn | error");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "how long in-flight calls may run after SIGTERM/SIGINT");

namespace {

int Fail(const absl::Status& status) {
  registry::Log(registry::LogLevel::kError, "storaged", status.ToString());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "storaged --listen=HOST:PORT --driver=filesystem --root=DIR");
  absl::ParseCommandLine(argc, argv);

  absl::StatusOr<registry::LogLevel> level =
      registry::ParseLogLevel(absl::GetFlag(FLAGS_log_level));
  if (!level.ok()) return Fail(level.status());
  registry::SetLogLevel(*level);

  registry::InitServerProcess();

  absl::Status registered = registry::drivers::RegisterBuiltinDrivers();
  if (!registered.ok()) return Fail(registered);
  std::string driver_name = absl::GetFlag(FLAGS_driver);
  registry::drivers::DriverParams params;
  if (driver_name == "filesystem") {
    std::string root = absl::GetFlag(FLAGS_root);
    if (!root.empty() && root[0] != '/') {
      char cwd[4096];
      if (getcwd(cwd, sizeof(cwd)) != nullptr)
        root = absl::StrCat(cwd, "/", root);
    }
    params["rootdirectory"] = root;
  }
  absl::StatusOr<registry::drivers::StorageDriverPtr> driver =
      registry::drivers::CreateDriver(driver_name, params);
  if (!driver.ok()) return Fail(driver.status());

  registry::ManifestStoreOptions store_options;
  store_options.max_manifest_bytes = absl::GetFlag(FLAGS_max_manifest_bytes);
  store_options.cache_bytes = absl::GetFlag(FLAGS_manifest_cache_bytes);
  registry::ServerOptions server_options;
  server_options.listen = absl::GetFlag(FLAGS_listen);
  registry::StoragedServer server(
      std::make_unique<registry::Storage>(*std::move(driver), store_options),
      server_options);
  absl::StatusOr<int> port = server.Start();
  if (!port.ok()) return Fail(port.status());

  std::string host =
      server_options.listen.substr(0, server_options.listen.rfind(':'));
  registry::Log(
      registry::LogLevel::kInfo, "storaged",
      absl::StrCat("listening on ", host, ":", *port, " driver=", driver_name,
                   params.count("rootdirectory")
                       ? " root=" + params["rootdirectory"]
                       : ""));

  std::thread stopper = registry::OnStopSignal([&](int signal) {
    registry::Log(registry::LogLevel::kInfo, "storaged",
                  absl::StrCat("signal ", signal, ": draining"));
    server.Shutdown(absl::GetFlag(FLAGS_shutdown_grace));
  });
  server.Wait();
  stopper.join();
  registry::Log(registry::LogLevel::kInfo, "storaged", "stopped");
  return 0;
}
