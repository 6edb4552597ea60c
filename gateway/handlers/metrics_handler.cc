// GET /metrics: the gateway's metrics in Prometheus' text format.
#include "common/metrics.h"
#include "gateway/handlers/handler_context.h"
#include "gateway/routes.h"

namespace registry::gateway {

void RegisterMetricsRoutes(httplib::Server& server, const HandlerContext&) {
  server.Get(routes::kMetrics,
             [](const httplib::Request&, httplib::Response& response) {
               response.set_content(Metrics::Global().Render(),
                                    "text/plain; version=0.0.4; charset=utf-8");
             });
}

}  // namespace registry::gateway
