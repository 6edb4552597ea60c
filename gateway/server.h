// The gateway's HTTP server: every route of the Distribution API, translated
// into storaged calls. Stateless; any number of gateways can serve one set
// of storaged replicas. Thread-safe.
#ifndef REGISTRY_GATEWAY_SERVER_H_
#define REGISTRY_GATEWAY_SERVER_H_

#include <httplib.h>

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/auth/authenticator.h"
#include "gateway/cache/blob_cache.h"
#include "gateway/edge/edge_server.h"
#include "gateway/handlers/handler_context.h"
#include "gateway/storaged_client.h"

namespace registry::gateway {

struct GatewayServerOptions {
  std::string host = "0.0.0.0";
  int port = 5000;  // 0 picks a free port.
  std::string storaged_target = "127.0.0.1:50051";
  GatewayOptions limits;
  StoragedClientOptions storaged;
  // Worker threads: requests served at once (a connection waiting for a
  // request holds none).
  int threads = 256;
  // Limits at the edge (edge/edge_server.h): time for a request head, idle
  // time between requests, open connections in all and per client address
  // (0: no per-address limit), size and field count of a head.
  absl::Duration header_timeout = absl::Seconds(10);
  absl::Duration idle_timeout = absl::Seconds(60);
  int max_connections = 10000;
  int max_connections_per_address = 128;
  size_t max_header_bytes = 1 << 20;
  size_t max_headers = 100;
  // PEM files; HTTPS when both are set.
  std::string tls_certificate;
  std::string tls_key;
  // Checks every request under /v2 when set.
  std::shared_ptr<Authenticator> authenticator;
  // Serves blob bytes from local disk when set (cache.blobs).
  std::shared_ptr<BlobCache> blob_cache;
};

class GatewayServer {
 public:
  explicit GatewayServer(GatewayServerOptions options);

  // Binds; returns the bound port. Unavailable if the address is taken;
  // InvalidArgument if the TLS certificate or key cannot be loaded.
  absl::StatusOr<int> Bind();

  // Serves until Stop(). REQUIRES: Bind() succeeded.
  void Serve();

  // From now on /readyz answers 503 (requests are still served), so load
  // balancers stop sending here before Stop(). Thread-safe.
  void BeginDrain() { draining_ = true; }

  // Stops accepting and returns from Serve(). Thread-safe.
  void Stop();

 private:
  const GatewayServerOptions options_;
  std::atomic<bool> draining_{false};
  std::unique_ptr<StoragedClient> storaged_;
  std::unique_ptr<RoutedServer> http_;
  std::unique_ptr<TlsContext> tls_;
  std::unique_ptr<EdgeServer> edge_;
};

}  // namespace registry::gateway

#endif  // REGISTRY_GATEWAY_SERVER_H_
