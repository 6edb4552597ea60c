// The gateway's HTTP server: every route of the Distribution API, translated
// into storaged calls. Stateless; any number of gateways can serve one set
// of storaged replicas. Thread-safe.
#ifndef REGISTRY_GATEWAY_SERVER_H_
#define REGISTRY_GATEWAY_SERVER_H_

#include <httplib.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gateway/auth/authenticator.h"
#include "gateway/handlers/handler_context.h"
#include "gateway/storaged_client.h"

namespace registry::gateway {

struct GatewayServerOptions {
  std::string host = "0.0.0.0";
  int port = 5000;  // 0 picks a free port.
  std::string storaged_target = "127.0.0.1:50051";
  GatewayOptions limits;
  StoragedClientOptions storaged;
  // cpp-httplib gives each open connection (keep-alive included) a worker
  // thread, so this bounds concurrent client connections.
  int threads = 256;
  // PEM files; HTTPS when both are set.
  std::string tls_certificate;
  std::string tls_key;
  // Checks every request under /v2 when set.
  std::shared_ptr<Authenticator> authenticator;
};

class GatewayServer {
 public:
  explicit GatewayServer(GatewayServerOptions options);

  // Binds; returns the bound port. Unavailable if the address is taken;
  // InvalidArgument if the TLS certificate or key cannot be loaded.
  absl::StatusOr<int> Bind();

  // Serves until Stop(). REQUIRES: Bind() succeeded.
  void Serve();

  // Stops accepting and returns from Serve(). Thread-safe.
  void Stop();

 private:
  const GatewayServerOptions options_;
  std::unique_ptr<StoragedClient> storaged_;
  std::unique_ptr<httplib::Server> http_;
};

}  // namespace registry::gateway

#endif  // REGISTRY_GATEWAY_SERVER_H_
