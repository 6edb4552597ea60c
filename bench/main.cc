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
    for (size_t t = 0; t < targets.size(); ++t) {
      std::cerr << absl::StrFormat("[%s] %s c=%d ... ", names[t], workload.name,
                                   workload.concurrency);
      Result result;
      auto op = workload.prepare(*targets[t]);
      if (!op.ok()) {
        result.errors = 1;
        result.first_error = op.status().ToString();
      } else {
        result = registry::bench::RunOps(*targets[t], workload.concurrency,
                                         workload.ops, workload.max_time, *op);
      }
      failed |= result.errors > 0;
      std::cerr << absl::StrFormat(
          "%.1f %s, %d ops, %d errors\n",
          workload.unit == registry::bench::Unit::kMegabytesPerSecond
              ? result.megabytes_per_second()
              : result.ops_per_second(),
          workload.unit == registry::bench::Unit::kMegabytesPerSecond ? "MB/s"
                                                                      : "req/s",
          result.ops, result.errors);
      row.results.push_back(result);
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
