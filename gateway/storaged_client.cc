#include "gateway/storaged_client.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include "absl/time/clock.h"
#include "common/grpc_flow_control.h"
#include "gateway/request_context.h"

namespace registry::gateway {
namespace {

// round_robin, and transparent retries of the calls that are safe to
// repeat (reads, and writes whose repetition has the same effect).
constexpr char kServiceConfig[] = R"json({
  "loadBalancingConfig": [{"round_robin": {}}],
  "healthCheckConfig": {"serviceName": ""},
  "methodConfig": [{
    "name": [
      {"service": "registry.v1.BlobService", "method": "Stat"},
      {"service": "registry.v1.BlobService", "method": "Read"},
      {"service": "registry.v1.BlobService", "method": "Mount"},
      {"service": "registry.v1.UploadService", "method": "Status"},
      {"service": "registry.v1.UploadService", "method": "Start"},
      {"service": "registry.v1.ManifestService", "method": "Get"},
      {"service": "registry.v1.ManifestService", "method": "Stat"},
      {"service": "registry.v1.ManifestService", "method": "Put"},
      {"service": "registry.v1.TagService", "method": "List"},
      {"service": "registry.v1.CatalogService", "method": "List"},
      {"service": "registry.v1.ReferrersService", "method": "List"}
    ],
    "retryPolicy": {
      "maxAttempts": 4,
      "initialBackoff": "0.05s",
      "maxBackoff": "1s",
      "backoffMultiplier": 2,
      "retryableStatusCodes": ["UNAVAILABLE"]
    }
  }]
})json";

std::unique_ptr<grpc::ClientContext> ContextWithin(absl::Duration timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  const RequestContext& request = CurrentRequest();
  if (!request.id.empty()) context->AddMetadata("x-request-id", request.id);
  RequestOrigin origin = request.origin;
  origin.actor = request.user;
  for (const auto& [key, value] : OriginMetadata(origin)) {
    context->AddMetadata(key, value);
  }
  return context;
}

}  // namespace

StoragedClient::StoragedClient(const std::string& target,
                               StoragedClientOptions options)
    : options_(options) {
  grpc::ChannelArguments args;
  args.SetServiceConfigJSON(kServiceConfig);
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 1);
  // dns:/// targets: storaged closes connections after --max_connection_age
  // and the channel then resolves again (at most this often), so replicas
  // added to DNS get calls without a restart of the gateway.
  args.SetInt(GRPC_ARG_DNS_MIN_TIME_BETWEEN_RESOLUTIONS_MS, 5000);
  // A replica that vanished without closing its connections (a lost node)
  // is noticed within keepalive time plus timeout.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 20000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // A replica back from a restart (a rolling update) is connected to again
  // within 2 s, not after gRPC's default backoff of up to 120 s; so the
  // next replica to restart never leaves a gateway with none.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 250);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  ApplyFlowControl(args);
  channel_ = grpc::CreateCustomChannel(target,
                                       options_.credentials != nullptr
                                           ? options_.credentials
                                           : grpc::InsecureChannelCredentials(),
                                       args);
  blobs_ = v1::BlobService::NewStub(channel_);
  uploads_ = v1::UploadService::NewStub(channel_);
  manifests_ = v1::ManifestService::NewStub(channel_);
  tags_ = v1::TagService::NewStub(channel_);
  catalog_ = v1::CatalogService::NewStub(channel_);
  referrers_ = v1::ReferrersService::NewStub(channel_);
  health_ = grpc::health::v1::Health::NewStub(channel_);
}

std::unique_ptr<grpc::ClientContext> StoragedClient::UnaryContext() const {
  return ContextWithin(options_.call_timeout);
}

std::unique_ptr<grpc::ClientContext> StoragedClient::StreamContext() const {
  return ContextWithin(options_.stream_timeout);
}

}  // namespace registry::gateway
