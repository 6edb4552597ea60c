#include "common/metrics_server.h"

#include <httplib.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/metrics.h"

namespace registry {

MetricsServer::MetricsServer() : http_(std::make_unique<httplib::Server>()) {
  http_->Get("/metrics", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(Metrics::Global().Render(),
                    "text/plain; version=0.0.4; charset=utf-8");
  });
}

MetricsServer::~MetricsServer() {
  http_->stop();
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<int> MetricsServer::Start(const std::string& address) {
  size_t colon = address.rfind(':');
  int port = -1;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port)) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics address ", address, ": want HOST:PORT"));
  }
  std::string host = address.substr(0, colon);
  int bound = port == 0 ? http_->bind_to_any_port(host.c_str())
                        : (http_->bind_to_port(host.c_str(), port) ? port : -1);
  if (bound <= 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", address));
  }
  thread_ = std::thread([this] { http_->listen_after_bind(); });
  return bound;
}

}  // namespace registry
