#include "bench/rounds.h"

#include <algorithm>

namespace registry::bench {
namespace {

// The median of `values` (the mean of the middle two when even); 0 if none.
double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t middle = values.size() / 2;
  if (values.size() % 2 == 1) return values[middle];
  return (values[middle - 1] + values[middle]) / 2;
}

}  // namespace

Workload ForRound(const Workload& workload, int rounds) {
  Workload share = workload;
  if (rounds <= 1) return share;
  share.ops = std::max<int64_t>(1, (workload.ops + rounds - 1) / rounds);
  share.max_time = workload.max_time / rounds;
  return share;
}

std::vector<size_t> RoundOrder(size_t targets, int round) {
  std::vector<size_t> order;
  order.reserve(targets);
  for (size_t i = 0; i < targets; ++i) {
    order.push_back((i + static_cast<size_t>(round)) % targets);
  }
  return order;
}

Result CombineRounds(const std::vector<Result>& rounds) {
  Result combined;
  std::vector<double> p50, p99;
  for (const Result& round : rounds) {
    combined.ops += round.ops;
    combined.errors += round.errors;
    combined.bytes += round.bytes;
    combined.seconds += round.seconds;
    p50.push_back(round.p50_ms);
    p99.push_back(round.p99_ms);
    if (combined.first_error.empty()) combined.first_error = round.first_error;
  }
  combined.p50_ms = Median(std::move(p50));
  combined.p99_ms = Median(std::move(p99));
  return combined;
}

}  // namespace registry::bench
