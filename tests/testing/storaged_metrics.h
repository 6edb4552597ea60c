// storaged with its Prometheus endpoint, and reading series from it, for
// tests that check what storaged did (which replica served, how often a
// blob was read).
#ifndef REGISTRY_TESTS_TESTING_STORAGED_METRICS_H_
#define REGISTRY_TESTS_TESTING_STORAGED_METRICS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tests/testing/storaged_process.h"

namespace registry::testing {

struct MeteredStoraged {
  StoragedProcess storaged;
  std::string ip;  // Where both gRPC and metrics listen.
  int metrics_port = 0;
};

// Starts storaged on the filesystem at `root`, listening on `ip`:`port`
// (0: a free one) with its metrics on `ip` at a free port.
absl::StatusOr<MeteredStoraged> StartMeteredStoraged(
    const std::string& root, const std::string& ip, int port = 0,
    const std::vector<std::string>& extra_flags = {});

// The sum of the series whose exposition line starts with `prefix` (for
// example `registry_rpc_requests_total{method="/registry.`); -1 when the
// endpoint does not answer.
double ScrapeSum(const MeteredStoraged& storaged, absl::string_view prefix);

}  // namespace registry::testing

#endif  // REGISTRY_TESTS_TESTING_STORAGED_METRICS_H_
