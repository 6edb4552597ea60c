#include "gateway/server.h"

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

// Bodies of routes that take none (or a manifest's, bounded on its own).
constexpr int64_t kMaxOtherBodyBytes = 64 << 10;

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

// Starts the request's context (id, origin), checks the names the request
// carries and authenticates requests under /v2. A refused upload body is
// answered by its route, after it is drained.
httplib::Server::HandlerResponse BeforeRouting(Authenticator* auth, bool tls,
                                               const httplib::Request& req,
                                               httplib::Response& response) {
  BeginRequest(req.get_header_value("X-Request-Id"));
  RequestOrigin& origin = CurrentRequest().origin;
  origin.addr = absl::StrCat(req.remote_addr, ":", req.remote_port);
  origin.host = req.get_header_value("Host");
  origin.method = req.method;
  origin.user_agent = req.get_header_value("User-Agent");
  std::string forwarded = req.get_header_value("X-Forwarded-Proto");
  origin.scheme = forwarded == "https" || forwarded == "http"
                      ? forwarded
                      : (tls ? "https" : "http");
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
      http_(std::make_unique<RoutedServer>()) {
  http_->set_default_headers(
      {{"Docker-Distribution-API-Version", "registry/2.0"}});
  // The Keep-Alive header tells clients how long an idle connection lasts.
  http_->set_keep_alive_timeout(absl::ToInt64Seconds(options_.idle_timeout));
  http_->set_keep_alive_max_count(1000000);
  // Unmatched paths and methods still get an OCI error body.
  http_->set_error_handler(AnswerUnrouted);
  // An exception in a handler is a 500 whose text stays in the log.
  http_->set_exception_handler(AnswerException);
  std::shared_ptr<Authenticator> auth = options_.authenticator;
  const bool tls = !options_.tls_certificate.empty();
  http_->set_pre_routing_handler(
      [auth, tls](const httplib::Request& req, httplib::Response& response) {
        return BeforeRouting(auth.get(), tls, req, response);
      });
  DeclareGatewayMetrics();
  http_->set_logger(OnResponse);
  HandlerContext ctx{storaged_.get(), options_.limits,
                     auth == nullptr || !auth->ScopedByRepository(), &draining_,
                     options_.blob_cache.get()};
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
  if (!options_.tls_certificate.empty()) {
    absl::StatusOr<std::unique_ptr<TlsContext>> tls =
        TlsContext::Load(options_.tls_certificate, options_.tls_key);
    if (!tls.ok()) return tls.status();
    tls_ = *std::move(tls);
  }
  EdgeOptions edge;
  edge.host = options_.host;
  edge.port = options_.port;
  edge.head.max_head_bytes = options_.max_header_bytes;
  edge.head.max_fields = options_.max_headers;
  edge.header_timeout = options_.header_timeout;
  edge.idle_timeout = options_.idle_timeout;
  edge.workers = options_.threads;
  edge.max_connections = options_.max_connections;
  edge.max_connections_per_address = options_.max_connections_per_address;
  edge.tls = tls_.get();
  const int64_t max_manifest = options_.limits.max_manifest_bytes;
  edge.max_body_bytes = [max_manifest](const RequestHead& head) -> int64_t {
    absl::string_view target = head.target;
    RequestInfo info =
        ClassifyRequest(head.method, target.substr(0, target.find('?')));
    if ((info.route == "uploads" || info.route == "upload") &&
        (head.method == "POST" || head.method == "PATCH" ||
         head.method == "PUT")) {
      return -1;  // Streamed to storaged by the upload handlers.
    }
    if (info.route == "manifest" && head.method == "PUT") return max_manifest;
    return kMaxOtherBodyBytes;
  };
  edge_ = std::make_unique<EdgeServer>(std::move(edge), http_.get());
  return edge_->Bind();
}

void GatewayServer::Serve() { edge_->Serve(); }

void GatewayServer::Stop() {
  if (edge_ != nullptr) edge_->Stop();
}

}  // namespace registry::gateway
