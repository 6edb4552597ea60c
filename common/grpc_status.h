// Converts between absl::Status (with a registry reason payload) and
// grpc::Status. The numeric codes are the same; the reason travels as an
// RpcStatus (wire-compatible with google.rpc.Status) in the binary details.
#ifndef REGISTRY_COMMON_GRPC_STATUS_H_
#define REGISTRY_COMMON_GRPC_STATUS_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>
#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace registry {

// For servers: code, message and reason of `status`.
grpc::Status ToGrpcStatus(const absl::Status& status);

// For callback-API unary handlers: finishes the call with `status`.
inline grpc::ServerUnaryReactor* FinishUnary(
    grpc::CallbackServerContext* context, const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

// For clients: the inverse of ToGrpcStatus.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace registry

#endif  // REGISTRY_COMMON_GRPC_STATUS_H_
