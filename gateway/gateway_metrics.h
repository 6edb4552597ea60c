// The gateway's metrics (Prometheus families in Metrics::Global()):
// requests by method, route and status; latency by method and route; bytes
// received and sent by route; uploads with a body in flight.
#ifndef REGISTRY_GATEWAY_GATEWAY_METRICS_H_
#define REGISTRY_GATEWAY_GATEWAY_METRICS_H_

#include <cstdint>
#include <string>

#include "gateway/request_info.h"

namespace registry::gateway {

// Declares the families (once per process).
void DeclareGatewayMetrics();

// Records one answered request.
void RecordHttpRequest(const RequestInfo& info, const std::string& method,
                       int status, int64_t bytes_in, int64_t bytes_out,
                       double seconds);

// Counts an upload body in flight for its lifetime.
class UploadInFlight {
 public:
  UploadInFlight();
  ~UploadInFlight();
  UploadInFlight(const UploadInFlight&) = delete;
  UploadInFlight& operator=(const UploadInFlight&) = delete;
};

}  // namespace registry::gateway

#endif  // REGISTRY_GATEWAY_GATEWAY_METRICS_H_
