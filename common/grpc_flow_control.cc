#include "common/grpc_flow_control.h"

#include <grpc/impl/codegen/grpc_types.h>

namespace registry {

namespace {

// One quota for every channel and server of the process.
grpc::ResourceQuota& ProcessQuota() {
  static grpc::ResourceQuota* quota = [] {
    auto* q = new grpc::ResourceQuota("registry");
    q->Resize(kProcessBufferBytes);
    return q;
  }();
  return *quota;
}

}  // namespace

void ApplyFlowControl(grpc::ChannelArguments& args) {
  args.SetResourceQuota(ProcessQuota());
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, kStreamWindowBytes);
}

void ApplyFlowControl(grpc::ServerBuilder& builder) {
  builder.SetResourceQuota(ProcessQuota());
  builder.AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES,
                             kStreamWindowBytes);
}

}  // namespace registry
