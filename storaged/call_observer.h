// Observes storaged's RPCs: counts and times them
// (registry_rpc_requests_total{method,code}, registry_rpc_seconds{method})
// and logs them with the caller's request id (gRPC metadata "x-request-id",
// which the gateway sets from its X-Request-Id): failures that are
// storaged's fault (INTERNAL, UNAVAILABLE, DATA_LOSS, UNKNOWN,
// RESOURCE_EXHAUSTED) at error level, every call at debug level.
#ifndef REGISTRY_STORAGED_CALL_OBSERVER_H_
#define REGISTRY_STORAGED_CALL_OBSERVER_H_

#include <grpcpp/support/server_interceptor.h>

#include <memory>

namespace registry {

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewCallObserverFactory();

// Declares the metric families (once per process).
void DeclareRpcMetrics();

}  // namespace registry

#endif  // REGISTRY_STORAGED_CALL_OBSERVER_H_
