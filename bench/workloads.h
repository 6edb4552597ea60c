// The benchmark's workloads: the same list, with the same data, for every
// target. Each has a setup (run once per target, not timed) and an
// operation run by RunOps.
#ifndef REGISTRY_BENCH_WORKLOADS_H_
#define REGISTRY_BENCH_WORKLOADS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "bench/runner.h"

namespace registry::bench {

enum class Unit { kMegabytesPerSecond, kRequestsPerSecond };

struct Workload {
  std::string name;  // e.g. "manifest GET by tag"
  int concurrency = 1;
  Unit unit = Unit::kRequestsPerSecond;
  int64_t ops = 0;
  absl::Duration max_time;
  // Builds the operation for one target; may push the data it reads
  // (untimed). Returns an error when the target cannot be prepared.
  std::function<absl::StatusOr<Op>(Target&)> prepare;
};

struct Scale {
  bool quick = false;  // Seconds-long smoke run (CI).
  absl::Duration request_time = absl::Seconds(3);
};

std::vector<Workload> AllWorkloads(const Scale& scale);

}  // namespace registry::bench

#endif  // REGISTRY_BENCH_WORKLOADS_H_
