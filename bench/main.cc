// regbench: drives registries (over HTTP) or storaged (over gRPC) through the
// same workloads and prints one table with a ratio column. Example:
//   regbench --targets=theirs=http://127.0.0.1:5001,ours=http://127.0.0.1:5000
//            --pids=theirs=123,ours=456+789 --physical_dir=/var/tmp
// Progress goes to stderr, the table to stdout.
#include <iostream>
#include <map>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "bench/physical.h"
#include "bench/report.h"
#include "bench/rounds.h"
#include "bench/target.h"
#include "bench/workloads.h"
#include "common/grpc_tls.h"
#include "common/process_stats.h"

ABSL_FLAG(std::string, targets, "",
          "NAME=URL[,NAME=URL]: http://host:port (a registry) or "
          "grpc://host:port (storaged); the ratio is last/first");
ABSL_FLAG(
    std::string, pids, "",
    "NAME=PID[+PID][,...]: processes whose peak RSS to report per target");
ABSL_FLAG(bool, quick, false, "a seconds-long smoke run");
ABSL_FLAG(std::string, grpc_ca, "",
          "grpc:// targets: TLS trusting this CA (as storaged.tls.ca)");
ABSL_FLAG(std::string, grpc_cert, "",
          "grpc:// targets: client certificate for mutual TLS");
ABSL_FLAG(std::string, grpc_key, "", "grpc:// targets: its key");
ABSL_FLAG(std::string, only, "",
          "run only workloads whose name contains this (or, separated by "
          "'|', any of these)");
ABSL_FLAG(absl::Duration, request_time, absl::Seconds(3),
          "duration of each request-rate workload");
ABSL_FLAG(int, rounds, 1,
          "split each workload into this many rounds over all targets "
          "(each a share of its operations), rotating the target order "
          "each round; p50 and p99 are the rounds' medians");
ABSL_FLAG(std::string, physical_dir, "",
          "when set, also measure the machine's limits, writing here");

namespace {

using registry::bench::Result;
using registry::bench::Row;

int Fail(absl::string_view message) {
  std::cerr << "regbench: " << message << "\n";
  return 2;
}

// Whether `name` contains one of the '|'-separated parts of `only`.
bool Selected(absl::string_view name, absl::string_view only) {
  for (absl::string_view part : absl::StrSplit(only, '|')) {
    if (absl::StrContains(name, part)) return true;
  }
  return false;
}

// Runs `workload` once against `target`, with a progress line on stderr.
Result RunOnce(const registry::bench::Workload& workload,
               const std::string& name, registry::bench::Target& target) {
  std::cerr << absl::StrFormat("[%s] %s c=%d ... ", name, workload.name,
                               workload.concurrency);
  Result result;
  auto op = workload.prepare(target);
  if (!op.ok()) {
    result.errors = 1;
    result.first_error = op.status().ToString();
  } else {
    result = registry::bench::RunOps(target, workload.concurrency, workload.ops,
                                     workload.max_time, *op);
  }
  const bool bytes =
      workload.unit == registry::bench::Unit::kMegabytesPerSecond;
  std::cerr << absl::StrFormat(
      "%.1f %s, p50 %.2f ms, %d ops, %d errors\n",
      bytes ? result.megabytes_per_second() : result.ops_per_second(),
      bytes ? "MB/s" : "req/s", result.p50_ms, result.ops, result.errors);
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "regbench --targets=NAME=URL[,NAME=URL] [--pids=NAME=PID+PID,...]");
  absl::ParseCommandLine(argc, argv);

  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      registry::GrpcChannelCredentials(absl::GetFlag(FLAGS_grpc_ca),
                                       absl::GetFlag(FLAGS_grpc_cert),
                                       absl::GetFlag(FLAGS_grpc_key));
  if (!credentials.ok()) return Fail(credentials.status().ToString());
  std::vector<std::string> names;
  std::vector<std::unique_ptr<registry::bench::Target>> targets;
  for (absl::string_view spec :
       absl::StrSplit(absl::GetFlag(FLAGS_targets), ',', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(spec, '=');
    auto target = registry::bench::NewTarget(kv.second, *credentials);
    if (!target.ok() || kv.first.empty()) {
      return Fail(absl::StrCat("--targets: ", spec));
    }
    names.push_back(kv.first);
    targets.push_back(*std::move(target));
  }
  if (targets.empty()) return Fail("--targets is required");
  if (absl::GetFlag(FLAGS_rounds) < 1) return Fail("--rounds must be >= 1");
  std::map<std::string, std::vector<pid_t>> pids;
  for (absl::string_view spec :
       absl::StrSplit(absl::GetFlag(FLAGS_pids), ',', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(spec, '=');
    for (absl::string_view text : absl::StrSplit(kv.second, '+')) {
      int pid = 0;
      if (!absl::SimpleAtoi(text, &pid))
        return Fail(absl::StrCat("--pids: ", spec));
      pids[kv.first].push_back(pid);
    }
  }

  registry::bench::Scale scale;
  scale.quick = absl::GetFlag(FLAGS_quick);
  scale.request_time = absl::GetFlag(FLAGS_request_time);
  std::vector<Row> rows;
  bool failed = false;
  for (const auto& workload : registry::bench::AllWorkloads(scale)) {
    if (!Selected(workload.name, absl::GetFlag(FLAGS_only))) continue;
    Row row{workload.name, workload.concurrency, workload.unit, {}};
    const int round_count = absl::GetFlag(FLAGS_rounds);
    const registry::bench::Workload share =
        registry::bench::ForRound(workload, round_count);
    std::vector<std::vector<Result>> rounds(targets.size());
    for (int round = 0; round < round_count; ++round) {
      for (size_t t : registry::bench::RoundOrder(targets.size(), round)) {
        rounds[t].push_back(RunOnce(share, names[t], *targets[t]));
      }
    }
    for (const auto& results : rounds) {
      row.results.push_back(registry::bench::CombineRounds(results));
      failed |= row.results.back().errors > 0;
    }
    rows.push_back(std::move(row));
  }
  std::vector<int64_t> rss;
  if (!pids.empty()) {
    for (const std::string& name : names) {
      int64_t total = 0;
      for (pid_t pid : pids[name]) total += registry::PeakResidentBytes(pid);
      rss.push_back(total);
    }
  }
  std::vector<registry::bench::Limit> limits;
  if (!absl::GetFlag(FLAGS_physical_dir).empty()) {
    std::cerr << "measuring the machine's limits ...\n";
    limits = registry::bench::MeasureLimits(absl::GetFlag(FLAGS_physical_dir));
  }
  registry::bench::PrintReport(std::cout, names, rows, rss, limits);
  return failed ? 1 : 0;
}
