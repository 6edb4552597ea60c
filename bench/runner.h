// Runs one benchmark operation at a given concurrency: each worker thread
// has its own Session and takes operation indexes from a shared counter
// until `ops` are done or `max_time` has passed. Records per-operation
// latency.
#ifndef REGISTRY_BENCH_RUNNER_H_
#define REGISTRY_BENCH_RUNNER_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/target.h"

namespace registry::bench {

// One operation; returns the payload bytes it moved (0 for metadata calls).
using Op = std::function<absl::StatusOr<int64_t>(Session&, int64_t index)>;

struct Result {
  int64_t ops = 0;
  int64_t errors = 0;
  int64_t bytes = 0;
  double seconds = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  std::string first_error;

  double ops_per_second() const { return seconds > 0 ? ops / seconds : 0; }
  double megabytes_per_second() const {
    return seconds > 0 ? bytes / seconds / 1e6 : 0;
  }
};

Result RunOps(Target& target, int concurrency, int64_t ops,
              absl::Duration max_time, const Op& op);

}  // namespace registry::bench

#endif  // REGISTRY_BENCH_RUNNER_H_
