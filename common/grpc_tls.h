// gRPC credentials from PEM files, for storaged's server and its clients
// (the gateway, internal services): plaintext when no file is given, TLS
// with a certificate, mutual TLS when the server names client CAs.
#ifndef REGISTRY_COMMON_GRPC_TLS_H_
#define REGISTRY_COMMON_GRPC_TLS_H_

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace registry {

// Server credentials: plaintext when `certificate` is empty; otherwise TLS
// with `certificate` and `key`, and when `client_cas` is not empty, only
// clients presenting a certificate signed by one of them are accepted.
// InvalidArgument naming a file that cannot be read.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> GrpcServerCredentials(
    const std::string& certificate, const std::string& key,
    const std::vector<std::string>& client_cas);

// Channel credentials: plaintext when every path is empty; otherwise TLS
// trusting `ca` (the system's roots when empty), presenting `certificate`
// and `key` when given. InvalidArgument naming a file that cannot be read.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>>
GrpcChannelCredentials(const std::string& ca, const std::string& certificate,
                       const std::string& key);

}  // namespace registry

#endif  // REGISTRY_COMMON_GRPC_TLS_H_
