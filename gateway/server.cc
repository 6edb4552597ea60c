#include "gateway/server.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "gateway/errors.h"

namespace registry::gateway {

GatewayServer::GatewayServer(GatewayServerOptions options)
    : options_(std::move(options)),
      storaged_(std::make_unique<StoragedClient>(options_.storaged_target,
                                                 options_.storaged)) {
  http_.set_default_headers(
      {{"Docker-Distribution-API-Version", "registry/2.0"}});
  int threads = options_.threads;
  http_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http_.set_keep_alive_max_count(1000);
  http_.set_read_timeout(60);
  http_.set_write_timeout(60);
  // Unmatched paths and methods still get an OCI error body.
  http_.set_error_handler(
      [](const httplib::Request& req, httplib::Response& response) {
        if (!response.body.empty()) return;
        int status = response.status;
        if (status == 416) {  // httplib refused a malformed Range itself.
          WriteOciError(Error(absl::StatusCode::kOutOfRange, v1::RANGE_INVALID,
                              "malformed Range header"),
                        response);
        } else {
          WriteOciError(
              absl::Status(
                  status == 404 ? absl::StatusCode::kNotFound
                                : absl::StatusCode::kUnimplemented,
                  absl::StrCat("no route for ", req.method, " ", req.path)),
              response);
        }
        response.status = status;
      });
  HandlerContext ctx{storaged_.get(), options_.limits};
  RegisterBaseRoutes(http_, ctx);
  RegisterListingRoutes(http_, ctx);
  RegisterBlobUploadRoutes(http_, ctx);
  RegisterBlobRoutes(http_, ctx);
  RegisterManifestRoutes(http_, ctx);
}

absl::StatusOr<int> GatewayServer::Bind() {
  int port = options_.port;
  if (port == 0) {
    port = http_.bind_to_any_port(options_.host.c_str());
  } else if (!http_.bind_to_port(options_.host.c_str(), port)) {
    port = -1;
  }
  if (port <= 0) {
    return absl::UnavailableError(absl::StrCat(
        "gateway: cannot listen on ", options_.host, ":", options_.port));
  }
  return port;
}

void GatewayServer::Serve() { http_.listen_after_bind(); }

void GatewayServer::Stop() { http_.stop(); }

}  // namespace registry::gateway
