// The flow-control settings every registry channel and server uses: a fixed
// per-stream receive window instead of gRPC's BDP-probed one, which on
// loopback grows to tens of megabytes and lets a fast sender fill a slow
// receiver's memory. With it, a blob transfer holds about one window in
// each process.
#ifndef REGISTRY_COMMON_GRPC_FLOW_CONTROL_H_
#define REGISTRY_COMMON_GRPC_FLOW_CONTROL_H_

#include <grpcpp/resource_quota.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/support/channel_arguments.h>

namespace registry {

// Bytes a stream may have in flight towards a receiver.
inline constexpr int kStreamWindowBytes = 4 << 20;

// Bytes of buffers gRPC may hold in one process across all streams (it stops
// reading from sockets beyond this), so memory does not grow with the
// number of concurrent transfers.
inline constexpr size_t kProcessBufferBytes = 64 << 20;

// For clients.
void ApplyFlowControl(grpc::ChannelArguments& args);

// For servers.
void ApplyFlowControl(grpc::ServerBuilder& builder);

}  // namespace registry

#endif  // REGISTRY_COMMON_GRPC_FLOW_CONTROL_H_
