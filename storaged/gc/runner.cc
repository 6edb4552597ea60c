#include "storaged/gc/runner.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/metrics.h"

namespace registry::gc {
namespace {

constexpr char kRuns[] = "registry_gc_runs_total";
constexpr char kDeleted[] = "registry_gc_deleted_total";
constexpr char kBytes[] = "registry_gc_deleted_bytes_total";
constexpr char kDuration[] = "registry_gc_last_duration_seconds";
constexpr char kLastSuccess[] = "registry_gc_last_success_timestamp_seconds";
constexpr char kRunning[] = "registry_gc_running";

void Count(const Report& report) {
  Metrics& metrics = Metrics::Global();
  if (report.dry_run) return;
  metrics.Add(kDeleted, {{"kind", "blob"}}, report.blobs_deleted);
  metrics.Add(kDeleted, {{"kind", "manifest"}}, report.manifests_deleted);
  metrics.Add(kDeleted, {{"kind", "tag"}}, report.tags_deleted);
  metrics.Add(kBytes, {}, report.bytes_deleted);
}

}  // namespace

void DeclareGcMetrics() {
  Metrics& metrics = Metrics::Global();
  metrics.Declare(kRuns, "counter",
                  "Garbage collections run by this process, by result "
                  "(ok, failed, busy, refused) and dry run.");
  metrics.Declare(kDeleted, "counter",
                  "Blobs, manifests and tags deleted by garbage collection.");
  metrics.Declare(kBytes, "counter",
                  "Bytes of blob data deleted by garbage collection.");
  metrics.Declare(kDuration, "gauge",
                  "Duration of this process's last garbage collection.");
  metrics.Declare(kLastSuccess, "gauge",
                  "Unix time at which this process's last successful garbage "
                  "collection ended.");
  metrics.Declare(kRunning, "gauge",
                  "1 while this process runs a garbage collection.");
}

Runner::Runner(drivers::StorageDriver* driver, Schedule schedule,
               std::vector<RetentionPolicy> retention, WritePolicy policy)
    : driver_(driver),
      schedule_(schedule),
      retention_(std::move(retention)),
      policy_(policy) {
  if (schedule_.enabled) thread_ = std::thread([this] { Loop(); });
}

Runner::~Runner() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

Options Runner::Defaults() const {
  Options options;
  options.delay = schedule_.delay;
  options.delete_untagged = schedule_.delete_untagged;
  options.dry_run = schedule_.dry_run;
  options.retention = retention_;
  return options;
}

absl::StatusOr<Report> Runner::Run(const Options& options,
                                   absl::string_view trigger) {
  Metrics& metrics = Metrics::Global();
  const std::string dry = options.dry_run ? "true" : "false";
  if (!options.dry_run) {
    absl::Status allowed = policy_.CheckDelete("garbage collection");
    if (!allowed.ok()) {
      metrics.Add(kRuns, {{"result", "refused"}, {"dry_run", dry}}, 1);
      Log(LogLevel::kWarn, "gc", allowed.message(),
          {{"trigger", std::string(trigger)}});
      return allowed;
    }
  }
  if (!running_.TryLock()) {
    metrics.Add(kRuns, {{"result", "busy"}, {"dry_run", dry}}, 1);
    return absl::AbortedError(
        "a garbage collection is already running in this storaged");
  }
  metrics.Set(kRunning, {}, 1);
  Log(LogLevel::kInfo, "gc", "garbage collection started",
      {{"trigger", std::string(trigger)},
       {"dry_run", dry},
       {"delete_untagged", options.delete_untagged ? "true" : "false"},
       {"delay", absl::FormatDuration(options.delay)},
       {"retention_policies", static_cast<int64_t>(options.retention.size())}});
  Options observed = options;
  observed.progress = [&](const std::string& line) {
    Log(LogLevel::kInfo, "gc", line, {{"trigger", std::string(trigger)}});
    if (options.progress) options.progress(line);
  };
  const absl::Time started = absl::Now();
  absl::StatusOr<Report> report = Collect(*driver_, observed);
  metrics.Set(kDuration, {}, absl::ToDoubleSeconds(absl::Now() - started));
  metrics.Set(kRunning, {}, 0);
  running_.Unlock();
  if (!report.ok()) {
    metrics.Add(kRuns, {{"result", "failed"}, {"dry_run", dry}}, 1);
    Log(LogLevel::kError, "gc", "garbage collection failed",
        {{"trigger", std::string(trigger)},
         {"error", report.status().ToString()}});
    return report;
  }
  metrics.Add(kRuns, {{"result", "ok"}, {"dry_run", dry}}, 1);
  metrics.Set(kLastSuccess, {}, absl::ToUnixSeconds(absl::Now()));
  Count(*report);
  Log(LogLevel::kInfo, "gc", report->Summary(),
      {{"trigger", std::string(trigger)},
       {"dry_run", dry},
       {"manifests_deleted", report->manifests_deleted},
       {"tags_deleted", report->tags_deleted},
       {"blobs_kept", report->blobs_kept},
       {"blobs_deleted", report->blobs_deleted},
       {"bytes_deleted", report->bytes_deleted},
       {"seconds", absl::ToDoubleSeconds(report->duration)}});
  return report;
}

void Runner::Loop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), schedule_.interval);
      if (stopping_) return;
    }
    Run(Defaults(), "schedule").IgnoreError();  // Logged and counted.
  }
}

}  // namespace registry::gc
