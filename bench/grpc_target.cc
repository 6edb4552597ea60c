// Session over storaged's gRPC API: the path internal services use.
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include "absl/strings/str_cat.h"
#include "bench/target.h"
#include "common/grpc_status.h"
#include "proto/blob.grpc.pb.h"
#include "proto/catalog.grpc.pb.h"
#include "proto/manifest.grpc.pb.h"
#include "proto/tag.grpc.pb.h"
#include "proto/upload.grpc.pb.h"

namespace registry::bench {
namespace {

constexpr size_t kMessage = 1 << 20;

class GrpcSession final : public Session {
 public:
  GrpcSession(const std::string& address,
              std::shared_ptr<grpc::ChannelCredentials> credentials) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);
    // A channel per session: one connection per worker, as HTTP has.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    auto channel = grpc::CreateCustomChannel(address, credentials, args);
    blobs_ = v1::BlobService::NewStub(channel);
    uploads_ = v1::UploadService::NewStub(channel);
    manifests_ = v1::ManifestService::NewStub(channel);
    tags_ = v1::TagService::NewStub(channel);
    catalog_ = v1::CatalogService::NewStub(channel);
  }

  absl::Status PushMonolithic(const std::string& repo,
                              const BlobSource& blob) override {
    return PushChunked(repo, blob, blob.size() > 0 ? blob.size() : 1);
  }

  absl::Status PushChunked(const std::string& repo, const BlobSource& blob,
                           int64_t chunk) override {
    grpc::ClientContext start_context;
    v1::StartUploadRequest start;
    start.set_repository(repo);
    v1::UploadStatus upload;
    absl::Status status =
        FromGrpcStatus(uploads_->Start(&start_context, start, &upload));
    if (!status.ok()) return status;
    for (int64_t offset = 0; offset < blob.size(); offset += chunk) {
      int64_t end = std::min(blob.size(), offset + chunk);
      grpc::ClientContext context;
      v1::UploadStatus written;
      auto writer = uploads_->Write(&context, &written);
      v1::WriteUploadRequest message;
      message.set_repository(repo);
      message.set_upload_id(upload.upload_id());
      message.set_offset(offset);
      for (int64_t at = offset; at < end;) {
        size_t n = static_cast<size_t>(std::min<int64_t>(kMessage, end - at));
        message.mutable_data()->resize(n);
        blob.Read(at, message.mutable_data()->data(), n);
        if (!writer->Write(message)) break;
        message.Clear();
        at += static_cast<int64_t>(n);
      }
      writer->WritesDone();
      status = FromGrpcStatus(writer->Finish());
      if (!status.ok()) return status;
    }
    grpc::ClientContext commit_context;
    v1::CommitUploadRequest commit;
    commit.set_repository(repo);
    commit.set_upload_id(upload.upload_id());
    commit.set_digest(blob.digest());
    v1::BlobInfo info;
    return FromGrpcStatus(uploads_->Commit(&commit_context, commit, &info));
  }

  absl::StatusOr<int64_t> Pull(const std::string& repo,
                               const std::string& digest, int64_t offset,
                               int64_t length) override {
    grpc::ClientContext context;
    v1::ReadBlobRequest request;
    request.set_repository(repo);
    request.set_digest(digest);
    request.set_offset(offset);
    request.set_length(length);
    auto reader = blobs_->Read(&context, request);
    v1::ReadBlobResponse message;
    int64_t received = 0;
    while (reader->Read(&message)) {
      received += static_cast<int64_t>(message.data().size());
    }
    absl::Status status = FromGrpcStatus(reader->Finish());
    if (!status.ok()) return status;
    return received;
  }

  absl::Status HeadBlob(const std::string& repo,
                        const std::string& digest) override {
    grpc::ClientContext context;
    v1::StatBlobRequest request;
    request.set_repository(repo);
    request.set_digest(digest);
    v1::BlobInfo info;
    return FromGrpcStatus(blobs_->Stat(&context, request, &info));
  }

  absl::Status PutManifest(const std::string& repo, const std::string& ref,
                           const std::string& content) override {
    grpc::ClientContext context;
    v1::PutManifestRequest request;
    request.set_repository(repo);
    request.set_reference(ref);
    request.set_content(content);
    v1::PutManifestResponse response;
    return FromGrpcStatus(manifests_->Put(&context, request, &response));
  }

  absl::StatusOr<int64_t> GetManifest(const std::string& repo,
                                      const std::string& ref) override {
    grpc::ClientContext context;
    v1::GetManifestRequest request;
    request.set_repository(repo);
    request.set_reference(ref);
    v1::Manifest manifest;
    absl::Status status =
        FromGrpcStatus(manifests_->Get(&context, request, &manifest));
    if (!status.ok()) return status;
    return static_cast<int64_t>(manifest.content().size());
  }

  absl::Status ListTags(const std::string& repo) override {
    grpc::ClientContext context;
    v1::ListTagsRequest request;
    request.set_repository(repo);
    v1::ListTagsResponse response;
    return FromGrpcStatus(tags_->List(&context, request, &response));
  }

  absl::Status Catalog() override {
    grpc::ClientContext context;
    v1::ListRepositoriesResponse response;
    return FromGrpcStatus(
        catalog_->List(&context, v1::ListRepositoriesRequest(), &response));
  }

 private:
  std::unique_ptr<v1::BlobService::Stub> blobs_;
  std::unique_ptr<v1::UploadService::Stub> uploads_;
  std::unique_ptr<v1::ManifestService::Stub> manifests_;
  std::unique_ptr<v1::TagService::Stub> tags_;
  std::unique_ptr<v1::CatalogService::Stub> catalog_;
};

class GrpcTarget final : public Target {
 public:
  GrpcTarget(std::string address,
             std::shared_ptr<grpc::ChannelCredentials> credentials)
      : address_(std::move(address)), credentials_(std::move(credentials)) {}
  std::unique_ptr<Session> NewSession() override {
    return std::make_unique<GrpcSession>(address_, credentials_);
  }

 private:
  std::string address_;
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
};

}  // namespace

std::unique_ptr<Target> NewGrpcTarget(
    const std::string& address,
    std::shared_ptr<grpc::ChannelCredentials> credentials) {
  return std::make_unique<GrpcTarget>(address, std::move(credentials));
}

}  // namespace registry::bench
