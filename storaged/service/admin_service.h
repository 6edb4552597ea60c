// gRPC AdminService: garbage collection on request, through the process's
// gc::Runner.
#ifndef REGISTRY_STORAGED_SERVICE_ADMIN_SERVICE_H_
#define REGISTRY_STORAGED_SERVICE_ADMIN_SERVICE_H_

#include "proto/admin.grpc.pb.h"
#include "storaged/gc/runner.h"

namespace registry {

class AdminServiceImpl final : public v1::AdminService::Service {
 public:
  // `runner` must outlive the service.
  explicit AdminServiceImpl(gc::Runner* runner) : runner_(runner) {}

  grpc::Status GarbageCollect(
      grpc::ServerContext* context, const v1::GarbageCollectRequest* request,
      grpc::ServerWriter<v1::GarbageCollectResponse>* writer) override;

 private:
  gc::Runner* const runner_;
};

}  // namespace registry

#endif  // REGISTRY_STORAGED_SERVICE_ADMIN_SERVICE_H_
