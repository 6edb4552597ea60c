// A small HTTP server answering GET /metrics with Metrics::Global() in
// Prometheus' text format, on a port of its own (storaged's metrics.addr).
// Thread-safe.
#ifndef REGISTRY_COMMON_METRICS_SERVER_H_
#define REGISTRY_COMMON_METRICS_SERVER_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace httplib {
class Server;
}

namespace registry {

class MetricsServer {
 public:
  MetricsServer();
  // Stops serving.
  ~MetricsServer();

  // Serves on HOST:PORT (port 0 picks one) from a thread of its own;
  // returns the bound port. Unavailable when it cannot bind.
  absl::StatusOr<int> Start(const std::string& address);

 private:
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
};

}  // namespace registry

#endif  // REGISTRY_COMMON_METRICS_SERVER_H_
