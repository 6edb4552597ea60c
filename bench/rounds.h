// Several rounds of one workload over several targets: each round's share
// of the work, the order targets run in each round, and how one target's
// rounds combine into one result.
// Rounds make comparisons between targets on a noisy machine fair: no target
// is always first (cold caches) or always right after the heaviest one, and
// one slow round does not decide the outcome.
#ifndef REGISTRY_BENCH_ROUNDS_H_
#define REGISTRY_BENCH_ROUNDS_H_

#include <cstddef>
#include <vector>

#include "bench/runner.h"
#include "bench/workloads.h"

namespace registry::bench {

// One of `rounds` rounds of `workload`: its share of the operations (at
// least one) and of the time limit, so that the rounds together move about
// what one run would (and fill no more disk).
Workload ForRound(const Workload& workload, int rounds);

// Target indexes in the order round `round` (0-based) runs them: the target
// list rotated left by `round`.
std::vector<size_t> RoundOrder(size_t targets, int round);

// One target's rounds as one result: operations, errors, bytes and time add
// up (so throughput is over all rounds); p50 and p99 are the medians of the
// rounds' own; the first error kept is the first round's that has one.
Result CombineRounds(const std::vector<Result>& rounds);

}  // namespace registry::bench

#endif  // REGISTRY_BENCH_ROUNDS_H_
