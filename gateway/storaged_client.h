// The gateway's connection to storaged: one channel to any gRPC target
// ("host:port", "ipv4:a:1,b:2", "dns:///storaged:50051") with round_robin
// over the resolved replicas, retries of idempotent calls on UNAVAILABLE,
// and a stub per service. Thread-safe.
#ifndef REGISTRY_GATEWAY_STORAGED_CLIENT_H_
#define REGISTRY_GATEWAY_STORAGED_CLIENT_H_

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/security/credentials.h>

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "proto/blob.grpc.pb.h"
#include "proto/catalog.grpc.pb.h"
#include "proto/health.grpc.pb.h"
#include "proto/manifest.grpc.pb.h"
#include "proto/referrers.grpc.pb.h"
#include "proto/tag.grpc.pb.h"
#include "proto/upload.grpc.pb.h"

namespace registry::gateway {

struct StoragedClientOptions {
  // Deadline of unary calls.
  absl::Duration call_timeout = absl::Seconds(30);
  // Deadline of streaming calls (a blob transfer).
  absl::Duration stream_timeout = absl::Hours(1);
  // Plaintext unless set (common/grpc_tls.h).
  std::shared_ptr<grpc::ChannelCredentials> credentials;
};

class StoragedClient {
 public:
  StoragedClient(const std::string& target, StoragedClientOptions options);

  // A context with the unary deadline.
  std::unique_ptr<grpc::ClientContext> UnaryContext() const;
  // A context with the streaming deadline.
  std::unique_ptr<grpc::ClientContext> StreamContext() const;

  v1::BlobService::Stub& blobs() { return *blobs_; }
  v1::UploadService::Stub& uploads() { return *uploads_; }
  v1::ManifestService::Stub& manifests() { return *manifests_; }
  v1::TagService::Stub& tags() { return *tags_; }
  v1::CatalogService::Stub& catalog() { return *catalog_; }
  v1::ReferrersService::Stub& referrers() { return *referrers_; }
  grpc::health::v1::Health::Stub& health() { return *health_; }

 private:
  const StoragedClientOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::BlobService::Stub> blobs_;
  std::unique_ptr<v1::UploadService::Stub> uploads_;
  std::unique_ptr<v1::ManifestService::Stub> manifests_;
  std::unique_ptr<v1::TagService::Stub> tags_;
  std::unique_ptr<v1::CatalogService::Stub> catalog_;
  std::unique_ptr<v1::ReferrersService::Stub> referrers_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
};

}  // namespace registry::gateway

#endif  // REGISTRY_GATEWAY_STORAGED_CLIENT_H_
