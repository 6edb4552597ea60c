// Converts between absl::Status (with a registry reason payload) and
// grpc::Status. The numeric codes are the same; the reason travels as an
// RpcStatus (wire-compatible with google.rpc.Status) in the binary details.
#ifndef REGISTRY_COMMON_GRPC_STATUS_H_
#define REGISTRY_COMMON_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace registry {

// For servers: code, message and reason of `status`.
grpc::Status ToGrpcStatus(const absl::Status& status);

// For clients: the inverse of ToGrpcStatus.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace registry

#endif  // REGISTRY_COMMON_GRPC_STATUS_H_
