// Collections run by a storaged process: on a schedule
// (storage.maintenance.gc) and on request (AdminService.GarbageCollect),
// one at a time per process, each logged (JSON lines) and counted in the
// process's metrics. Other processes may collect the same store at the
// same time; that is safe (collector.h). Thread-safe.
#ifndef REGISTRY_STORAGED_GC_RUNNER_H_
#define REGISTRY_STORAGED_GC_RUNNER_H_

#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "drivers/driver.h"
#include "storaged/gc/collector.h"
#include "storaged/policy.h"

namespace registry::gc {

// storage.maintenance.gc.*
struct Schedule {
  bool enabled = false;
  absl::Duration interval = absl::Hours(24);
  absl::Duration delay = absl::Hours(1);
  bool delete_untagged = false;
  bool dry_run = false;
};

// Declares the registry_gc_* metric families.
void DeclareGcMetrics();

class Runner {
 public:
  // Collects `driver` (which must outlive this), every `schedule.interval`
  // when enabled, with `retention`. Under a `policy` that refuses deletes
  // (read-only mode, deletes disabled), only dry runs run.
  Runner(drivers::StorageDriver* driver, Schedule schedule,
         std::vector<RetentionPolicy> retention, WritePolicy policy = {});
  // Stops the schedule, waiting for a scheduled collection in progress.
  ~Runner();

  // Options as the schedule would run them (delay, delete_untagged,
  // dry_run and retention from the configuration).
  Options Defaults() const;

  // Runs one collection now. Aborted when this process is collecting
  // already; FailedPrecondition (UNSUPPORTED) when the policy refuses
  // deletes and this is no dry run. `trigger` names the cause in logs
  // ("schedule", "rpc").
  absl::StatusOr<Report> Run(const Options& options, absl::string_view trigger);

 private:
  void Loop();

  drivers::StorageDriver* const driver_;
  const Schedule schedule_;
  const std::vector<RetentionPolicy> retention_;
  const WritePolicy policy_;
  absl::Mutex running_;  // Held while collecting.
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace registry::gc

#endif  // REGISTRY_STORAGED_GC_RUNNER_H_
