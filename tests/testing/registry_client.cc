#include "tests/testing/registry_client.h"

#include <grpcpp/client_context.h>

#include "common/digest.h"
#include "common/grpc_status.h"

namespace registry::testing {

absl::StatusOr<v1::UploadStatus> WriteChunks(grpc::Channel& channel,
                                             const std::string& repository,
                                             const std::string& upload_id,
                                             int64_t offset,
                                             const ChunkSource& source) {
  auto stub = v1::UploadService::NewStub(
      std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  grpc::ClientContext context;
  v1::UploadStatus status;
  auto writer = stub->Write(&context, &status);
  v1::WriteUploadRequest first;
  first.set_repository(repository);
  first.set_upload_id(upload_id);
  first.set_offset(offset);
  bool open = writer->Write(first);
  for (std::string chunk = source(); open && !chunk.empty(); chunk = source()) {
    v1::WriteUploadRequest message;
    message.set_data(std::move(chunk));
    open = writer->Write(message);
  }
  writer->WritesDone();
  absl::Status done = FromGrpcStatus(writer->Finish());
  if (!done.ok()) return done;
  return status;
}

namespace {

std::unique_ptr<v1::UploadService::Stub> Uploads(grpc::Channel& channel) {
  return v1::UploadService::NewStub(
      std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
}

}  // namespace

absl::StatusOr<std::string> StartUpload(grpc::Channel& channel,
                                        const std::string& repository) {
  grpc::ClientContext context;
  v1::StartUploadRequest request;
  request.set_repository(repository);
  v1::UploadStatus started;
  absl::Status status =
      FromGrpcStatus(Uploads(channel)->Start(&context, request, &started));
  if (!status.ok()) return status;
  return started.upload_id();
}

absl::StatusOr<v1::UploadStatus> UploadStatusOf(grpc::Channel& channel,
                                                const std::string& repository,
                                                const std::string& upload_id) {
  grpc::ClientContext context;
  v1::UploadStatusRequest request;
  request.set_repository(repository);
  request.set_upload_id(upload_id);
  v1::UploadStatus status;
  absl::Status done =
      FromGrpcStatus(Uploads(channel)->Status(&context, request, &status));
  if (!done.ok()) return done;
  return status;
}

absl::StatusOr<v1::BlobInfo> CommitUpload(grpc::Channel& channel,
                                          const std::string& repository,
                                          const std::string& upload_id,
                                          const std::string& digest,
                                          const std::string& final_chunk,
                                          int64_t final_offset) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(60));
  v1::CommitUploadRequest commit;
  commit.set_repository(repository);
  commit.set_upload_id(upload_id);
  commit.set_digest(digest);
  commit.set_final_chunk(final_chunk);
  if (final_offset >= 0) commit.set_final_offset(final_offset);
  v1::BlobInfo blob;
  absl::Status status =
      FromGrpcStatus(Uploads(channel)->Commit(&context, commit, &blob));
  if (!status.ok()) return status;
  return blob;
}

absl::StatusOr<v1::BlobInfo> UploadBlob(grpc::Channel& channel,
                                        const std::string& repository,
                                        const std::string& content) {
  absl::StatusOr<std::string> id = StartUpload(channel, repository);
  if (!id.ok()) return id.status();
  bool sent = false;
  absl::StatusOr<v1::UploadStatus> written =
      WriteChunks(channel, repository, *id, 0, [&]() -> std::string {
        if (sent) return "";
        sent = true;
        return content;
      });
  if (!written.ok()) return written.status();
  return CommitUpload(channel, repository, *id, DigestOf(content).ToString());
}

absl::StatusOr<std::string> ReadBlob(grpc::Channel& channel,
                                     const std::string& repository,
                                     const std::string& digest, int64_t offset,
                                     int64_t length) {
  auto stub = v1::BlobService::NewStub(
      std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  grpc::ClientContext context;
  v1::ReadBlobRequest request;
  request.set_repository(repository);
  request.set_digest(digest);
  request.set_offset(offset);
  request.set_length(length);
  auto reader = stub->Read(&context, request);
  std::string out;
  v1::ReadBlobResponse message;
  while (reader->Read(&message)) out += message.data();
  absl::Status status = FromGrpcStatus(reader->Finish());
  if (!status.ok()) return status;
  return out;
}

}  // namespace registry::testing
