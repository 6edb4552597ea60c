// gRPC UploadService over UploadStore.
#ifndef REGISTRY_STORAGED_SERVICE_UPLOAD_SERVICE_H_
#define REGISTRY_STORAGED_SERVICE_UPLOAD_SERVICE_H_

#include "proto/upload.grpc.pb.h"
#include "storaged/events/recorder.h"
#include "storaged/proxy/pull_through.h"
#include "storaged/storage.h"

namespace registry {

class UploadServiceImpl final : public v1::UploadService::Service {
 public:
  // `storage` must outlive the service.
  // `storage` (and `mirrors`, null when nothing is mirrored) must outlive
  // the service.
  // `events` (null without notifications) records blob pushes.
  UploadServiceImpl(Storage* storage, proxy::PullThroughCache* mirrors,
                    events::Recorder* events)
      : storage_(storage), mirrors_(mirrors), events_(events) {}

  grpc::Status Start(grpc::ServerContext* context,
                     const v1::StartUploadRequest* request,
                     v1::UploadStatus* response) override;
  grpc::Status Write(grpc::ServerContext* context,
                     grpc::ServerReader<v1::WriteUploadRequest>* reader,
                     v1::UploadStatus* response) override;
  grpc::Status Status(grpc::ServerContext* context,
                      const v1::UploadStatusRequest* request,
                      v1::UploadStatus* response) override;
  grpc::Status Commit(grpc::ServerContext* context,
                      const v1::CommitUploadRequest* request,
                      v1::BlobInfo* response) override;
  grpc::Status Cancel(grpc::ServerContext* context,
                      const v1::CancelUploadRequest* request,
                      v1::CancelUploadResponse* response) override;

 private:
  Storage* const storage_;
  proxy::PullThroughCache* const mirrors_;
  events::Recorder* const events_;
};

}  // namespace registry

#endif  // REGISTRY_STORAGED_SERVICE_UPLOAD_SERVICE_H_
