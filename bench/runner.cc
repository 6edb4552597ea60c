#include "bench/runner.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace registry::bench {

Result RunOps(Target& target, int concurrency, int64_t ops,
              absl::Duration max_time, const Op& op) {
  std::vector<std::unique_ptr<Session>> sessions;
  for (int i = 0; i < concurrency; ++i) sessions.push_back(target.NewSession());
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> bytes{0};
  std::atomic<int64_t> errors{0};
  absl::Mutex mu;
  std::vector<double> latencies_ms;
  std::string first_error;
  absl::Time start = absl::Now();
  absl::Time deadline = start + max_time;
  std::vector<std::thread> workers;
  for (int w = 0; w < concurrency; ++w) {
    workers.emplace_back([&, w] {
      std::vector<double> mine;
      while (absl::Now() < deadline) {
        int64_t index = next.fetch_add(1);
        if (index >= ops) break;
        absl::Time t0 = absl::Now();
        absl::StatusOr<int64_t> moved = op(*sessions[w], index);
        mine.push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
        if (moved.ok()) {
          bytes += *moved;
        } else {
          ++errors;
          absl::MutexLock lock(&mu);
          if (first_error.empty()) first_error = moved.status().ToString();
        }
      }
      absl::MutexLock lock(&mu);
      latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
    });
  }
  for (auto& worker : workers) worker.join();
  Result result;
  result.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  result.ops = static_cast<int64_t>(latencies_ms.size()) - errors;
  result.errors = errors;
  result.bytes = bytes;
  result.first_error = first_error;
  std::sort(latencies_ms.begin(), latencies_ms.end());
  if (!latencies_ms.empty()) {
    result.p50_ms = latencies_ms[latencies_ms.size() / 2];
    result.p99_ms = latencies_ms[std::min(latencies_ms.size() - 1,
                                          latencies_ms.size() * 99 / 100)];
  }
  return result;
}

}  // namespace registry::bench
