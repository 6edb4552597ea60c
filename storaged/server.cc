#include "storaged/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc_flow_control.h"
#include "storaged/call_observer.h"
#include "storaged/service/admin_service.h"
#include "storaged/service/blob_service.h"
#include "storaged/service/listing_services.h"
#include "storaged/service/manifest_service.h"
#include "storaged/service/upload_service.h"

namespace registry {

StoragedServer::StoragedServer(std::unique_ptr<Storage> storage,
                               ServerOptions options)
    : storage_(std::move(storage)),
      options_(std::move(options)),
      gc_(storage_->driver.get(), options_.gc, options_.retention,
          storage_->policy) {
  if (!options_.upstreams.empty()) {
    mirrors_ = std::make_unique<proxy::PullThroughCache>(
        storage_.get(), options_.upstreams, options_.spool_dir);
  }
  if (!options_.notifications.endpoints.empty()) {
    // A fresh queue per process: a restarted one takes over its
    // predecessor's like any other that is gone.
    event_log_ = std::make_unique<events::EventLog>(storage_->driver.get(),
                                                    events::NewEventId());
    recorder_ = std::make_unique<events::Recorder>(
        event_log_.get(),
        [this] {
          if (dispatcher_ != nullptr) dispatcher_->Wake();
        },
        events::Recorder::Options{options_.notifications.include_references,
                                  options_.notifications.endpoints, ""});
  }
  Storage* const stores = storage_.get();
  proxy::PullThroughCache* mirrors = mirrors_.get();
  events::Recorder* recorder = recorder_.get();
  services_.push_back(std::make_unique<BlobServiceImpl>(
      stores, mirrors, recorder, options_.redirect));
  services_.push_back(
      std::make_unique<UploadServiceImpl>(stores, mirrors, recorder));
  services_.push_back(
      std::make_unique<ManifestServiceImpl>(stores, mirrors, recorder));
  services_.push_back(
      std::make_unique<TagServiceImpl>(stores, mirrors, recorder));
  services_.push_back(std::make_unique<CatalogServiceImpl>(stores));
  services_.push_back(std::make_unique<ReferrersServiceImpl>(stores, mirrors));
  services_.push_back(std::make_unique<AdminServiceImpl>(&gc_));
}

StoragedServer::~StoragedServer() { Shutdown(absl::ZeroDuration()); }

absl::StatusOr<int> StoragedServer::Start() {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options_.listen,
                           options_.credentials != nullptr
                               ? options_.credentials
                               : grpc::InsecureServerCredentials(),
                           &port);
  // gRPC would let a second process bind the same port (SO_REUSEPORT) and
  // share its clients with a draining one: refuse instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Gateways ping every 20 s to notice lost replicas: allow it.
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  if (options_.max_connection_age > absl::ZeroDuration()) {
    // Calls running at the GOAWAY finish on the old connection (the grace
    // is gRPC's default: unbounded), new ones go on a new connection.
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                               static_cast<int>(absl::ToInt64Milliseconds(
                                   options_.max_connection_age)));
  }
  builder.SetMaxReceiveMessageSize(options_.max_message_bytes);
  builder.SetMaxSendMessageSize(options_.max_message_bytes);
  ApplyFlowControl(builder);
  for (auto& service : services_) builder.RegisterService(service.get());
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(NewCallObserverFactory());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  if (event_log_ != nullptr && dispatcher_ == nullptr) {
    absl::StatusOr<std::unique_ptr<events::Dispatcher>> dispatcher =
        events::Dispatcher::Start(storage_->driver.get(),
                                  event_log_->instance(),
                                  options_.notifications.endpoints, {});
    if (!dispatcher.ok()) return dispatcher.status();
    dispatcher_ = *std::move(dispatcher);
  }
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port == 0) {
    server_.reset();
    return absl::UnavailableError(
        absl::StrCat("storaged: cannot listen on ", options_.listen));
  }
  if (recorder_ != nullptr) {
    char host[256] = "";
    gethostname(host, sizeof(host) - 1);
    recorder_->set_source_addr(absl::StrCat(host, ":", port));
  }
  server_->GetHealthCheckService()->SetServingStatus(true);
  return port;
}

void StoragedServer::Shutdown(absl::Duration grace, absl::Duration notice) {
  if (server_ == nullptr) return;
  server_->GetHealthCheckService()->SetServingStatus(false);
  absl::SleepFor(notice);
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
}

void StoragedServer::Wait() {
  if (server_ != nullptr) server_->Wait();
}

}  // namespace registry
