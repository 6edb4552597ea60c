// gateway: the registry's HTTP face (Docker Registry HTTP API V2 / OCI
// Distribution Spec 1.1), stateless, over storaged's gRPC API.
#include <cstdlib>
#include <map>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/command_line.h"
#include "common/grpc_tls.h"
#include "common/log.h"
#include "common/server_process.h"
#include "common/stop_signals.h"
#include "gateway/auth/authenticator.h"
#include "gateway/config.h"
#include "gateway/server.h"

ABSL_FLAG(std::string, config, "",
          "YAML configuration file (http.*, auth.htpasswd.* or "
          "auth.token.*, storaged.*, cache.blobs.*, log.level; every key is in "
          "deploy/config/gateway.yml); flags given on the command line "
          "override it");
ABSL_FLAG(std::string, listen, "0.0.0.0:5000",
          "HOST:PORT for HTTP (http.addr); port 0 picks a free port");
ABSL_FLAG(std::string, storaged, "127.0.0.1:50051",
          "gRPC target of storaged (storaged.target): host:port, "
          "ipv4:a:1,b:2, dns:///name:port");
ABSL_FLAG(int64_t, max_manifest_bytes, 4 << 20,
          "manifest bodies larger than this are refused (413)");
ABSL_FLAG(int, threads, 256,
          "HTTP worker threads: requests served at once (connections "
          "waiting for a request hold none)");
ABSL_FLAG(absl::Duration, header_timeout, absl::Seconds(10),
          "a request's line and headers must arrive within this (else 408 "
          "and the connection closes); also the time a new connection may "
          "take to send its first request");
ABSL_FLAG(absl::Duration, idle_timeout, absl::Seconds(60),
          "a kept-alive connection with no request for this long is closed");
ABSL_FLAG(int, max_connections, 10000,
          "open client connections in all; beyond it new ones get 503 and "
          "are closed");
ABSL_FLAG(int, max_connections_per_address, 128,
          "open connections from one client IP address (0: no limit; raise "
          "it or set 0 behind a proxy that is the only client address)");
ABSL_FLAG(int64_t, max_header_bytes, 1 << 20,
          "the largest request head (request line and headers); larger: 431");
ABSL_FLAG(int, max_headers, 100,
          "the most header fields a request may carry; more: 431");
ABSL_FLAG(absl::Duration, drain_notice, absl::Seconds(2),
          "after SIGTERM/SIGINT, how long /readyz answers 503 while the "
          "gateway still serves, so load balancers stop sending first");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "after SIGTERM/SIGINT, how long requests in flight may finish "
          "before the gateway exits anyway");
ABSL_FLAG(std::string, log_level, "info",
          "debug | info | warn | error (log.level)");

namespace {

int Fail(absl::string_view message) {
  registry::Log(registry::LogLevel::kError, "gateway", message);
  return 1;
}

// The values of the flags given on the command line, by config key.
std::map<std::string, std::string> FlagOverrides(int argc, char** argv) {
  namespace gw = registry::gateway;
  std::map<std::string, std::string> overrides;
  auto given = [&](absl::string_view name) {
    return registry::FlagOnCommandLine(argc, argv, name);
  };
  if (given("listen")) overrides[gw::kListenKey] = absl::GetFlag(FLAGS_listen);
  if (given("storaged")) {
    overrides[gw::kStoragedKey] = absl::GetFlag(FLAGS_storaged);
  }
  if (given("log_level")) {
    overrides[gw::kLogLevelKey] = absl::GetFlag(FLAGS_log_level);
  }
  return overrides;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "gateway [--config=FILE] [--listen=HOST:PORT] [--storaged=TARGET]");
  registry::HandleHelpRequest(argc, argv);
  absl::ParseCommandLine(argc, argv);
  absl::StatusOr<registry::gateway::GatewayConfig> config =
      registry::gateway::LoadGatewayConfig(absl::GetFlag(FLAGS_config),
                                           FlagOverrides(argc, argv));
  if (!config.ok()) return Fail(config.status().ToString());
  absl::StatusOr<registry::LogLevel> level =
      registry::ParseLogLevel(config->log_level);
  if (!level.ok()) return Fail(level.status().ToString());
  registry::SetLogLevel(*level);

  registry::InitServerProcess();

  registry::gateway::GatewayServerOptions options;
  const std::string& listen = config->listen;
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(listen.substr(colon + 1), &options.port)) {
    return Fail(absl::StrCat("listen address ", listen, ": want HOST:PORT"));
  }
  options.host = listen.substr(0, colon);
  options.storaged_target = config->storaged_target;
  options.tls_certificate = config->tls_certificate;
  options.tls_key = config->tls_key;
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      registry::GrpcChannelCredentials(config->storaged_ca,
                                       config->storaged_certificate,
                                       config->storaged_key);
  if (!credentials.ok()) return Fail(credentials.status().ToString());
  options.storaged.credentials = *std::move(credentials);
  if (!config->htpasswd_path.empty()) {
    absl::StatusOr<std::unique_ptr<registry::gateway::Htpasswd>> users =
        registry::gateway::Htpasswd::Load(config->htpasswd_path);
    if (!users.ok()) return Fail(users.status().ToString());
    options.authenticator = registry::gateway::NewBasicAuthenticator(
        config->htpasswd_realm, *std::move(users));
  }
  if (!config->token_realm.empty()) {
    registry::gateway::TokenAuthOptions token;
    token.realm = config->token_realm;
    token.service = config->token_service;
    token.issuer = config->token_issuer;
    absl::StatusOr<std::vector<registry::gateway::PublicKey>> keys =
        registry::gateway::LoadCertificateKeys(config->token_rootcertbundle);
    if (!keys.ok()) return Fail(keys.status().ToString());
    token.keys = *std::move(keys);
    options.authenticator =
        registry::gateway::NewTokenAuthenticator(std::move(token));
  }
  if (!config->blob_cache_path.empty()) {
    absl::StatusOr<std::unique_ptr<registry::gateway::BlobCache>> cache =
        registry::gateway::BlobCache::Open(
            {config->blob_cache_path, config->blob_cache_max_bytes});
    if (!cache.ok()) return Fail(cache.status().ToString());
    options.blob_cache = *std::move(cache);
  }
  options.limits.max_manifest_bytes = absl::GetFlag(FLAGS_max_manifest_bytes);
  options.threads = absl::GetFlag(FLAGS_threads);
  options.header_timeout = absl::GetFlag(FLAGS_header_timeout);
  options.idle_timeout = absl::GetFlag(FLAGS_idle_timeout);
  options.max_connections = absl::GetFlag(FLAGS_max_connections);
  options.max_connections_per_address =
      absl::GetFlag(FLAGS_max_connections_per_address);
  options.max_header_bytes =
      static_cast<size_t>(absl::GetFlag(FLAGS_max_header_bytes));
  options.max_headers = static_cast<size_t>(absl::GetFlag(FLAGS_max_headers));

  registry::gateway::GatewayServer server(options);
  absl::StatusOr<int> port = server.Bind();
  if (!port.ok()) return Fail(port.status().ToString());
  registry::Log(registry::LogLevel::kInfo, "gateway",
                absl::StrCat("listening on ", options.host, ":", *port,
                             " storaged=", options.storaged_target,
                             options.tls_certificate.empty() ? "" : " tls",
                             options.blob_cache == nullptr ? "" : " cache=on",
                             !config->htpasswd_path.empty() ? " auth=htpasswd"
                             : !config->token_realm.empty() ? " auth=token"
                                                            : ""));
  const absl::Duration grace = absl::GetFlag(FLAGS_shutdown_grace);
  absl::Notification served;
  std::thread stopper = registry::OnStopSignal([&](int signal) {
    const absl::Duration notice = absl::GetFlag(FLAGS_drain_notice);
    registry::Log(registry::LogLevel::kInfo, "gateway",
                  absl::StrCat("signal ", signal, ": not ready for ",
                               absl::FormatDuration(notice),
                               " while serving, then draining for up to ",
                               absl::FormatDuration(grace)));
    server.BeginDrain();  // /readyz: 503; everything else as before.
    absl::SleepFor(notice);
    server.Stop();  // No new connections; requests in flight run on.
    if (!served.WaitForNotificationWithTimeout(grace)) {
      registry::Log(registry::LogLevel::kWarn, "gateway",
                    "shutdown grace expired with requests in flight; exiting");
      std::_Exit(1);
    }
  });
  server.Serve();
  served.Notify();
  stopper.join();
  registry::Log(registry::LogLevel::kInfo, "gateway", "stopped");
  return 0;
}
