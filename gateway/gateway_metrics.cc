#include "gateway/gateway_metrics.h"

#include "absl/strings/str_cat.h"
#include "common/metrics.h"

namespace registry::gateway {
namespace {

constexpr char kRequests[] = "registry_http_requests_total";
constexpr char kSeconds[] = "registry_http_request_seconds";
constexpr char kReceived[] = "registry_http_received_bytes_total";
constexpr char kSent[] = "registry_http_sent_bytes_total";
constexpr char kUploads[] = "registry_uploads_in_flight";

}  // namespace

void DeclareGatewayMetrics() {
  Metrics& metrics = Metrics::Global();
  metrics.Declare(kRequests, "counter",
                  "HTTP requests by method, route and status.");
  metrics.Declare(kSeconds, "histogram",
                  "HTTP request latency, body included, by method and route.");
  metrics.Declare(kReceived, "counter", "Request body bytes by route.");
  metrics.Declare(kSent, "counter", "Response body bytes by route.");
  metrics.Declare(kUploads, "gauge",
                  "Upload requests (POST, PATCH, PUT) receiving a body.");
}

void RecordHttpRequest(const RequestInfo& info, const std::string& method,
                       int status, int64_t bytes_in, int64_t bytes_out,
                       double seconds) {
  Metrics& metrics = Metrics::Global();
  metrics.Add(kRequests,
              {{"method", method},
               {"route", info.route},
               {"status", absl::StrCat(status)}},
              1);
  metrics.Observe(kSeconds, {{"method", method}, {"route", info.route}},
                  seconds);
  if (bytes_in > 0) {
    metrics.Add(kReceived, {{"route", info.route}},
                static_cast<double>(bytes_in));
  }
  if (bytes_out > 0) {
    metrics.Add(kSent, {{"route", info.route}}, static_cast<double>(bytes_out));
  }
}

UploadInFlight::UploadInFlight() { Metrics::Global().Add(kUploads, {}, 1); }

UploadInFlight::~UploadInFlight() { Metrics::Global().Add(kUploads, {}, -1); }

}  // namespace registry::gateway
