// GET /healthz and /readyz, for load balancers and Kubernetes probes.
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gateway/handlers/handler_context.h"
#include "gateway/routes.h"

namespace registry::gateway {
namespace {

constexpr absl::Duration kReadyDeadline = absl::Seconds(2);

// Empty when storaged reports SERVING; otherwise why not.
std::string NotReady(StoragedClient& storaged) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + kReadyDeadline));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = storaged.health().Check(&context, request, &response);
  if (!status.ok()) {
    return absl::StrCat("storaged unreachable: ", status.error_message());
  }
  if (response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
    return "storaged is not serving (draining or starting)";
  }
  return "";
}

}  // namespace

void RegisterHealthRoutes(httplib::Server& server, const HandlerContext& ctx) {
  server.Get(routes::kHealthz,
             [](const httplib::Request&, httplib::Response& response) {
               response.set_content("ok\n", "text/plain");
             });
  StoragedClient* storaged = ctx.storaged;
  const std::atomic<bool>* draining = ctx.draining;
  server.Get(routes::kReadyz,
             [storaged, draining](const httplib::Request&,
                                  httplib::Response& response) {
               std::string why = draining != nullptr && *draining
                                     ? "gateway is draining (shutting down)"
                                     : NotReady(*storaged);
               if (why.empty()) {
                 response.set_content("ready\n", "text/plain");
               } else {
                 response.status = 503;
                 response.set_content(why + "\n", "text/plain");
               }
             });
}

}  // namespace registry::gateway
