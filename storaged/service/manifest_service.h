// gRPC ManifestService over ManifestStore.
#ifndef REGISTRY_STORAGED_SERVICE_MANIFEST_SERVICE_H_
#define REGISTRY_STORAGED_SERVICE_MANIFEST_SERVICE_H_

#include <functional>

#include "proto/manifest.grpc.pb.h"
#include "storaged/events/recorder.h"
#include "storaged/proxy/pull_through.h"
#include "storaged/storage.h"

namespace registry {

// Get and Stat (reads) run on gRPC's callback API; Put and Delete, which
// write durably, use the sync thread pool.
class ManifestServiceImpl final
    : public v1::ManifestService::WithCallbackMethod_Get<
          v1::ManifestService::WithCallbackMethod_Stat<
              v1::ManifestService::Service>> {
 public:
  // `storage` (and `mirrors`, null when nothing is mirrored) must outlive
  // the service; `events` (null without notifications) records pushes,
  // pulls and deletes.
  ManifestServiceImpl(Storage* storage, proxy::PullThroughCache* mirrors,
                      events::Recorder* events)
      : storage_(storage), mirrors_(mirrors), events_(events) {}

  grpc::ServerUnaryReactor* Get(grpc::CallbackServerContext* context,
                                const v1::GetManifestRequest* request,
                                v1::Manifest* response) override;
  grpc::ServerUnaryReactor* Stat(grpc::CallbackServerContext* context,
                                 const v1::GetManifestRequest* request,
                                 v1::ManifestInfo* response) override;
  grpc::Status Put(grpc::ServerContext* context,
                   const v1::PutManifestRequest* request,
                   v1::PutManifestResponse* response) override;
  grpc::Status Delete(grpc::ServerContext* context,
                      const v1::DeleteManifestRequest* request,
                      v1::DeleteManifestResponse* response) override;

 private:
  // The manifest a Get/Stat request names.
  absl::StatusOr<StoredManifest> Load(const v1::GetManifestRequest& request);
  // Answers a Get/Stat: loads the manifest, `fill`s the response, and
  // finishes once its pull event is stored.
  grpc::ServerUnaryReactor* AnswerPull(
      grpc::CallbackServerContext* context,
      const v1::GetManifestRequest& request, const char* action,
      const std::function<void(StoredManifest&)>& fill);
  // The pull event's target for `manifest` (none without notifications).
  absl::optional<events::Target> PullTarget(
      const v1::GetManifestRequest& request, const StoredManifest& manifest);

  Storage* const storage_;
  proxy::PullThroughCache* const mirrors_;
  events::Recorder* const events_;
};

}  // namespace registry

#endif  // REGISTRY_STORAGED_SERVICE_MANIFEST_SERVICE_H_
