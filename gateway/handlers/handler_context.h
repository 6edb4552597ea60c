// What every handler needs: the storaged client and the gateway's limits,
// and the one way handlers turn a failed call into an OCI error response.
#ifndef REGISTRY_GATEWAY_HANDLERS_HANDLER_CONTEXT_H_
#define REGISTRY_GATEWAY_HANDLERS_HANDLER_CONTEXT_H_

#include <httplib.h>

#include <atomic>
#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "gateway/cache/blob_cache.h"
#include "gateway/storaged_client.h"

namespace registry::gateway {

struct GatewayOptions {
  // Manifest bodies larger than this are refused with 413 before storaged.
  int64_t max_manifest_bytes = 4 << 20;
};

struct HandlerContext {
  StoragedClient* storaged;  // Not owned; outlives the server.
  GatewayOptions options;
  // Whether a mount may omit `from` (any blob of the store may be linked).
  // False when users hold rights per repository: a mount must then name a
  // source that the user may pull and that links the blob.
  bool mount_without_source = true;
  // Set once the gateway is draining: /readyz answers 503 so that load
  // balancers stop sending before it stops accepting. Not owned.
  const std::atomic<bool>* draining = nullptr;
  // Blob bytes on local disk (cache.blobs); null when off. Not owned.
  BlobCache* blob_cache = nullptr;
};

// Runs `handle`; when it fails, replaces the response with the OCI error.
void Respond(httplib::Response& response,
             const std::function<absl::Status()>& handle);

// Performs a unary storaged call with a deadline and converts its status.
template <typename Stub, typename Request, typename Reply>
absl::Status CallStoraged(StoragedClient& storaged, Stub& stub,
                          grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                       const Request&, Reply*),
                          const Request& request, Reply* reply);

// One registration function per resource file.
void RegisterBaseRoutes(httplib::Server& server, const HandlerContext& ctx);
void RegisterBlobRoutes(httplib::Server& server, const HandlerContext& ctx);
void RegisterBlobUploadRoutes(httplib::Server& server,
                              const HandlerContext& ctx);
void RegisterManifestRoutes(httplib::Server& server, const HandlerContext& ctx);
void RegisterListingRoutes(httplib::Server& server, const HandlerContext& ctx);
// GET /healthz (the process answers) and /readyz (not draining, and
// storaged answers its health check as SERVING within 2 s); outside /v2,
// for probes.
void RegisterHealthRoutes(httplib::Server& server, const HandlerContext& ctx);
// GET /metrics (Prometheus text format); outside /v2.
void RegisterMetricsRoutes(httplib::Server& server, const HandlerContext& ctx);

}  // namespace registry::gateway

#include "common/grpc_status.h"

namespace registry::gateway {

template <typename Stub, typename Request, typename Reply>
absl::Status CallStoraged(StoragedClient& storaged, Stub& stub,
                          grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                       const Request&, Reply*),
                          const Request& request, Reply* reply) {
  std::unique_ptr<grpc::ClientContext> context = storaged.UnaryContext();
  return FromGrpcStatus((stub.*method)(context.get(), request, reply));
}

}  // namespace registry::gateway

#endif  // REGISTRY_GATEWAY_HANDLERS_HANDLER_CONTEXT_H_
