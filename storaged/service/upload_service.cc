#include "storaged/service/upload_service.h"

#include "absl/time/time.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "common/status_macros.h"
#include "storaged/service/answer.h"
#include "storaged/service/mirrors.h"
#include "storaged/service/recording.h"

namespace registry {
namespace {

void Fill(const RepositoryName& name, const UploadState& state,
          v1::UploadStatus* out) {
  out->set_repository(name.str());
  out->set_upload_id(state.id);
  out->set_offset(state.offset);
  out->set_started_at(absl::FormatTime(absl::RFC3339_full, state.started_at,
                                       absl::UTCTimeZone()));
}

}  // namespace

grpc::Status UploadServiceImpl::Start(grpc::ServerContext*,
                                      const v1::StartUploadRequest* request,
                                      v1::UploadStatus* response) {
  return Answer(
      CallSubject{"start of an upload", "", request->repository()},
      [&]() -> absl::Status {
        RETURN_IF_ERROR(storage_->policy.CheckWrite("starting an upload"));
        ASSIGN_OR_RETURN(RepositoryName name,
                         RepositoryName::Parse(request->repository()));
        RETURN_IF_ERROR(CheckNotMirrored(mirrors_, name, "starting an upload"));
        ASSIGN_OR_RETURN(UploadState state, storage_->uploads.Start(name));
        Fill(name, state, response);
        return absl::OkStatus();
      }());
}

grpc::Status UploadServiceImpl::Write(
    grpc::ServerContext*, grpc::ServerReader<v1::WriteUploadRequest>* reader,
    v1::UploadStatus* response) {
  std::string repository, upload_id;  // Known from the first message.
  const absl::Status status = [&]() -> absl::Status {
    RETURN_IF_ERROR(storage_->policy.CheckWrite("writing to an upload"));
    v1::WriteUploadRequest message;
    if (!reader->Read(&message)) {
      return Error(absl::StatusCode::kInvalidArgument, v1::INVALID_ARGUMENT,
                   "Write needs a first message naming the upload");
    }
    repository = message.repository();
    upload_id = message.upload_id();
    ASSIGN_OR_RETURN(RepositoryName name,
                     RepositoryName::Parse(message.repository()));
    RETURN_IF_ERROR(CheckNotMirrored(mirrors_, name, "writing to an upload"));
    absl::optional<int64_t> offset;
    if (message.has_offset()) offset = message.offset();
    ASSIGN_OR_RETURN(
        std::unique_ptr<UploadWriter> writer,
        storage_->uploads.OpenWriter(name, message.upload_id(), offset));
    std::string id = message.upload_id();
    absl::Status appended;
    do {
      appended = writer->Append(message.data());
    } while (appended.ok() && reader->Read(&message));
    // Keep what arrived, even from a client that went away mid-stream: it
    // resumes from the offset that Status reports.
    absl::Status finished = writer->Finish();
    RETURN_IF_ERROR(appended);
    RETURN_IF_ERROR(finished);
    ASSIGN_OR_RETURN(UploadState state, storage_->uploads.Status(name, id));
    Fill(name, state, response);
    return absl::OkStatus();
  }();
  return Answer(CallSubject{"write to upload", upload_id, repository}, status);
}

grpc::Status UploadServiceImpl::Status(grpc::ServerContext*,
                                       const v1::UploadStatusRequest* request,
                                       v1::UploadStatus* response) {
  return Answer(
      CallSubject{"status of upload", request->upload_id(),
                  request->repository()},
      [&]() -> absl::Status {
        ASSIGN_OR_RETURN(RepositoryName name,
                         RepositoryName::Parse(request->repository()));
        ASSIGN_OR_RETURN(UploadState state,
                         storage_->uploads.Status(name, request->upload_id()));
        Fill(name, state, response);
        return absl::OkStatus();
      }());
}

grpc::Status UploadServiceImpl::Commit(grpc::ServerContext* context,
                                       const v1::CommitUploadRequest* request,
                                       v1::BlobInfo* response) {
  return Answer(
      CallSubject{"commit of blob", request->digest(), request->repository()},
      [&]() -> absl::Status {
        RETURN_IF_ERROR(storage_->policy.CheckWrite("committing an upload"));
        ASSIGN_OR_RETURN(RepositoryName name,
                         RepositoryName::Parse(request->repository()));
        RETURN_IF_ERROR(
            CheckNotMirrored(mirrors_, name, "committing an upload"));
        ASSIGN_OR_RETURN(Digest digest, Digest::Parse(request->digest()));
        absl::optional<int64_t> size;
        if (request->has_size()) size = request->size();
        absl::optional<int64_t> final_offset;
        if (request->has_final_offset()) final_offset = request->final_offset();
        ASSIGN_OR_RETURN(
            BlobDescriptor blob,
            storage_->uploads.Commit(name, request->upload_id(), digest, size,
                                     request->final_chunk(), final_offset));
        response->set_digest(blob.digest.ToString());
        response->set_size(blob.size);
        // A retried commit answers OK again and records again: at least
        // once.
        return Recorded(events_, *context, absl::OkStatus(), "push", [&] {
          return BlobTarget(name, blob.digest, blob.size);
        });
      }());
}

grpc::Status UploadServiceImpl::Cancel(grpc::ServerContext*,
                                       const v1::CancelUploadRequest* request,
                                       v1::CancelUploadResponse*) {
  return Answer(
      CallSubject{"cancel of upload", request->upload_id(),
                  request->repository()},
      [&]() -> absl::Status {
        RETURN_IF_ERROR(storage_->policy.CheckWrite("cancelling an upload"));
        ASSIGN_OR_RETURN(RepositoryName name,
                         RepositoryName::Parse(request->repository()));
        RETURN_IF_ERROR(
            CheckNotMirrored(mirrors_, name, "cancelling an upload"));
        return storage_->uploads.Cancel(name, request->upload_id());
      }());
}

}  // namespace registry
