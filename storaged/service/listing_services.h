// gRPC TagService, CatalogService and ReferrersService: the read-mostly
// listings, each a thin adapter over the stores.
#ifndef REGISTRY_STORAGED_SERVICE_LISTING_SERVICES_H_
#define REGISTRY_STORAGED_SERVICE_LISTING_SERVICES_H_

#include "proto/catalog.grpc.pb.h"
#include "proto/referrers.grpc.pb.h"
#include "proto/tag.grpc.pb.h"
#include "storaged/events/recorder.h"
#include "storaged/proxy/pull_through.h"
#include "storaged/storage.h"

namespace registry {

// The listings are reads: List runs on gRPC's callback API.
class TagServiceImpl final
    : public v1::TagService::WithCallbackMethod_List<v1::TagService::Service> {
 public:
  // `storage` (and `mirrors`, null when nothing is mirrored) must outlive
  // the service; `events` (null without notifications) records deletes.
  TagServiceImpl(Storage* storage, proxy::PullThroughCache* mirrors,
                 events::Recorder* events)
      : storage_(storage), mirrors_(mirrors), events_(events) {}

  grpc::ServerUnaryReactor* List(grpc::CallbackServerContext* context,
                                 const v1::ListTagsRequest* request,
                                 v1::ListTagsResponse* response) override;
  grpc::Status Delete(grpc::ServerContext* context,
                      const v1::DeleteTagRequest* request,
                      v1::DeleteTagResponse* response) override;

 private:
  Storage* const storage_;
  proxy::PullThroughCache* const mirrors_;
  events::Recorder* const events_;
};

class CatalogServiceImpl final : public v1::CatalogService::CallbackService {
 public:
  // `storage` must outlive the service.
  explicit CatalogServiceImpl(Storage* storage) : storage_(storage) {}

  grpc::ServerUnaryReactor* List(
      grpc::CallbackServerContext* context,
      const v1::ListRepositoriesRequest* request,
      v1::ListRepositoriesResponse* response) override;

 private:
  Storage* const storage_;
};

class ReferrersServiceImpl final
    : public v1::ReferrersService::CallbackService {
 public:
  // `storage` (and `mirrors`, null when nothing is mirrored) must outlive
  // the service.
  ReferrersServiceImpl(Storage* storage, proxy::PullThroughCache* mirrors)
      : storage_(storage), mirrors_(mirrors) {}

  grpc::ServerUnaryReactor* List(grpc::CallbackServerContext* context,
                                 const v1::ListReferrersRequest* request,
                                 v1::ListReferrersResponse* response) override;

 private:
  Storage* const storage_;
  proxy::PullThroughCache* const mirrors_;
};

}  // namespace registry

#endif  // REGISTRY_STORAGED_SERVICE_LISTING_SERVICES_H_
