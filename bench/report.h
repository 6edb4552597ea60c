// Prints the benchmark's results as one table: per workload, each target's
// throughput and latency, and the ratio of the last target to the first
// ("ours/theirs" when run as theirs,ours).
#ifndef REGISTRY_BENCH_REPORT_H_
#define REGISTRY_BENCH_REPORT_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "bench/physical.h"
#include "bench/runner.h"
#include "bench/workloads.h"

namespace registry::bench {

struct Row {
  std::string workload;
  int concurrency = 1;
  Unit unit = Unit::kRequestsPerSecond;
  std::vector<Result> results;  // One per target, in target order.
};

void PrintReport(std::ostream& out, const std::vector<std::string>& targets,
                 const std::vector<Row>& rows,
                 const std::vector<int64_t>& peak_rss_bytes,
                 const std::vector<Limit>& limits);

}  // namespace registry::bench

#endif  // REGISTRY_BENCH_REPORT_H_
