// gRPC BlobService over BlobStore: parse, call, convert the status.
#ifndef REGISTRY_STORAGED_SERVICE_BLOB_SERVICE_H_
#define REGISTRY_STORAGED_SERVICE_BLOB_SERVICE_H_

#include "proto/blob.grpc.pb.h"
#include "storaged/events/recorder.h"
#include "storaged/proxy/pull_through.h"
#include "storaged/storage.h"

namespace registry {

// Stat runs on gRPC's callback API (no thread handoff: it is the hot,
// non-blocking call); the streams and writes use the sync thread pool.
class BlobServiceImpl final : public v1::BlobService::WithCallbackMethod_Stat<
                                  v1::BlobService::Service> {
 public:
  // `storage` (and `mirrors`, null when nothing is mirrored) must outlive
  // the service. With `redirect`, Stat answers BlobInfo.url when asked and
  // the driver can make URLs (not for mirrored repositories: their blobs
  // may still be on their way).
  // `events` (null without notifications) records pulls and mounts.
  BlobServiceImpl(Storage* storage, proxy::PullThroughCache* mirrors,
                  events::Recorder* events, bool redirect)
      : storage_(storage),
        mirrors_(mirrors),
        events_(events),
        redirect_(redirect) {}

  grpc::ServerUnaryReactor* Stat(grpc::CallbackServerContext* context,
                                 const v1::StatBlobRequest* request,
                                 v1::BlobInfo* response) override;
  grpc::Status Read(grpc::ServerContext* context,
                    const v1::ReadBlobRequest* request,
                    grpc::ServerWriter<v1::ReadBlobResponse>* writer) override;
  grpc::Status Delete(grpc::ServerContext* context,
                      const v1::DeleteBlobRequest* request,
                      v1::DeleteBlobResponse* response) override;
  grpc::Status Mount(grpc::ServerContext* context,
                     const v1::MountBlobRequest* request,
                     v1::BlobInfo* response) override;

 private:
  Storage* const storage_;
  proxy::PullThroughCache* const mirrors_;
  events::Recorder* const events_;
  const bool redirect_;
};

}  // namespace registry

#endif  // REGISTRY_STORAGED_SERVICE_BLOB_SERVICE_H_
