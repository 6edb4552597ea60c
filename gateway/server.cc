#include "gateway/server.h"

#include <sys/socket.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/log.h"
#include "gateway/errors.h"
#include "gateway/gateway_metrics.h"
#include "gateway/request_check.h"
#include "gateway/request_context.h"
#include "gateway/request_info.h"

namespace registry::gateway {
namespace {

constexpr int kListenBacklog = 1024;

int64_t HeaderNumber(const httplib::Headers& headers, const char* name) {
  auto it = headers.find(name);
  int64_t value = 0;
  if (it != headers.end()) absl::SimpleAtoi(it->second, &value);
  return value;
}

// One JSON line and the metrics of each request, after its response is
// written.
void OnResponse(const httplib::Request& req, const httplib::Response& res) {
  const RequestContext& request = CurrentRequest();
  RequestInfo info = ClassifyRequest(req.method, req.path);
  int64_t bytes_in = HeaderNumber(req.headers, "Content-Length");
  int64_t bytes_out = HeaderNumber(res.headers, "Content-Length");
  double seconds = absl::ToDoubleSeconds(absl::Now() - request.start);
  RecordHttpRequest(info, req.method, res.status, bytes_in, bytes_out, seconds);
  if (!LogEnabled(LogLevel::kInfo)) return;
  Log(LogLevel::kInfo, "access", "request",
      {{"request_id", request.id},
       {"method", req.method},
       {"route", info.route},
       {"repository", info.repository},
       {"status", res.status},
       {"bytes_in", bytes_in},
       {"bytes_out", bytes_out},
       {"duration_ms", seconds * 1000},
       {"user", request.user},
       {"remote", req.remote_addr}});
}

// Starts the request's context (id), checks the names the request carries
// and authenticates requests under /v2. A refused upload body is answered
// by its route, after it is drained.
httplib::Server::HandlerResponse BeforeRouting(Authenticator* auth,
                                               const httplib::Request& req,
                                               httplib::Response& response) {
  BeginRequest(req.get_header_value("X-Request-Id"));
  response.set_header("X-Request-Id", CurrentRequest().id);
  RequestInfo info = ClassifyRequest(req.method, req.path);
  const bool has_body =
      req.method == "POST" || req.method == "PATCH" || req.method == "PUT";
  const bool body_route = info.route == "uploads" || info.route == "upload";
  absl::Status refusal = CheckRequestNames(req, info);
  if (refusal.ok() && auth != nullptr && absl::StartsWith(req.path, "/v2")) {
    absl::StatusOr<std::string> user = auth->Authenticate(req, response);
    if (user.ok()) {
      CurrentRequest().user = *std::move(user);
    } else {
      refusal = user.status();
    }
  }
  if (refusal.ok()) return httplib::Server::HandlerResponse::Unhandled;
  if (has_body && body_route) {
    CurrentRequest().refusal = refusal;
    return httplib::Server::HandlerResponse::Unhandled;
  }
  WriteOciError(refusal, response);
  return httplib::Server::HandlerResponse::Handled;
}

// Requests no route took: a path that is an API route but not for this
// method is 405; anything else 404. Errors httplib answered itself keep
// their status.
void AnswerUnrouted(const httplib::Request& req, httplib::Response& response) {
  if (!response.body.empty()) return;
  int status = response.status;
  RequestInfo info = ClassifyRequest(req.method, req.path);
  if (status == 416) {  // httplib refused a malformed Range itself.
    WriteOciError(Error(absl::StatusCode::kOutOfRange, v1::RANGE_INVALID,
                        "malformed Range header"),
                  response);
  } else if (status == 404 && info.route != "unknown") {
    WriteOciError(absl::UnimplementedError(absl::StrCat("method ", req.method,
                                                        " is not allowed on ",
                                                        info.route, " routes")),
                  response);
    return;
  } else if (status == 404) {
    WriteOciError(Error(absl::StatusCode::kNotFound, v1::NAME_UNKNOWN,
                        absl::StrCat("not an API route: ", req.method, " ",
                                     Printable(req.path, 200))),
                  response);
  } else {
    WriteOciError(absl::InvalidArgumentError("malformed request"), response);
  }
  response.status = status;
}

// An exception out of a handler: 500, its text only in the log.
void AnswerException(const httplib::Request& req, httplib::Response& response,
                     std::exception_ptr thrown) {
  std::string what = "unknown exception";
  try {
    std::rethrow_exception(thrown);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  Log(LogLevel::kError, "http", "a handler threw",
      {{"request_id", CurrentRequest().id},
       {"method", req.method},
       {"what", what}});
  response.headers.clear();
  WriteOciError(absl::InternalError("internal error"), response);
}

}  // namespace

GatewayServer::GatewayServer(GatewayServerOptions options)
    : options_(std::move(options)),
      storaged_(std::make_unique<StoragedClient>(options_.storaged_target,
                                                 options_.storaged)),
      http_(options_.tls_certificate.empty()
                ? std::make_unique<httplib::Server>()
                : std::make_unique<httplib::SSLServer>(
                      options_.tls_certificate.c_str(),
                      options_.tls_key.c_str())) {
  http_->set_default_headers(
      {{"Docker-Distribution-API-Version", "registry/2.0"}});
  int threads = options_.threads;
  http_->new_task_queue = [threads] {
    return new httplib::ThreadPool(threads);
  };
  // Headers and body go out in separate writes: without TCP_NODELAY, Nagle
  // and the peer's delayed ACK hold small responses for 40 ms.
  http_->set_tcp_nodelay(true);
  http_->set_keep_alive_max_count(1000);
  http_->set_read_timeout(60);
  http_->set_write_timeout(60);
  // Unmatched paths and methods still get an OCI error body.
  http_->set_error_handler(AnswerUnrouted);
  // An exception in a handler is a 500 whose text stays in the log.
  http_->set_exception_handler(AnswerException);
  std::shared_ptr<Authenticator> auth = options_.authenticator;
  http_->set_pre_routing_handler(
      [auth](const httplib::Request& req, httplib::Response& response) {
        return BeforeRouting(auth.get(), req, response);
      });
  DeclareGatewayMetrics();
  http_->set_logger(OnResponse);
  HandlerContext ctx{storaged_.get(), options_.limits,
                     auth == nullptr || !auth->ScopedByRepository()};
  // cpp-httplib tries routes in registration order: the hottest first. No
  // two patterns match the same path (see routes.h).
  RegisterManifestRoutes(*http_, ctx);
  RegisterBlobRoutes(*http_, ctx);
  RegisterBlobUploadRoutes(*http_, ctx);
  RegisterListingRoutes(*http_, ctx);
  RegisterBaseRoutes(*http_, ctx);
  RegisterHealthRoutes(*http_, ctx);
  RegisterMetricsRoutes(*http_, ctx);
}

absl::StatusOr<int> GatewayServer::Bind() {
  if (!http_->is_valid()) {
    return absl::InvalidArgumentError(
        absl::StrCat("gateway: cannot load the TLS certificate ",
                     options_.tls_certificate, " and key ", options_.tls_key));
  }
  // cpp-httplib listens with a backlog of 5 (fixed when Debian built it):
  // clients connecting together overflow it and retry after a second. Keep
  // the socket to listen() on it again with a real backlog.
  int listener = -1;
  http_->set_socket_options([&listener](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listener = sock;
  });
  int port = options_.port;
  if (port == 0) {
    port = http_->bind_to_any_port(options_.host.c_str());
  } else if (!http_->bind_to_port(options_.host.c_str(), port)) {
    port = -1;
  }
  if (port <= 0) {
    return absl::UnavailableError(absl::StrCat(
        "gateway: cannot listen on ", options_.host, ":", options_.port));
  }
  if (listener < 0 || listen(listener, kListenBacklog) != 0) {
    return absl::InternalError("gateway: cannot enlarge the listen backlog");
  }
  return port;
}

void GatewayServer::Serve() { http_->listen_after_bind(); }

void GatewayServer::Stop() { http_->stop(); }

}  // namespace registry::gateway
