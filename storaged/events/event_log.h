// The durable queue one storaged instance writes its events to: segments
// events/<instance>/<sequence>.json in the store (paths.h), each a batch of
// events as JSON lines, written with PutContent (atomic and durable, on
// every driver) before an append is reported done. A call therefore
// answers only after its event is stored, and a process killed at any
// point loses no event it acknowledged. One writer thread stores whatever
// was appended while it wrote the previous segment as the next one (group
// commit), so the store sees one write per batch, not per event.
// Sequences grow; a failed write leaves a gap. Thread-safe.
#ifndef REGISTRY_STORAGED_EVENTS_EVENT_LOG_H_
#define REGISTRY_STORAGED_EVENTS_EVENT_LOG_H_

#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "drivers/driver.h"

namespace registry::events {

class EventLog {
 public:
  using Done = std::function<void(absl::Status)>;

  // A log of the instance `instance` (a fresh id per process) in `driver`.
  EventLog(drivers::StorageDriver* driver, std::string instance);
  // Stores what was appended, then stops.
  ~EventLog();

  // Stores `events` (EventJson texts) durably, in a segment with any other
  // events appended meanwhile, then calls `done` on the writer thread with
  // OK, or the driver's error when the segment could not be written (then
  // none of them is stored). `done` must not append.
  void AppendThen(const std::vector<std::string>& events, Done done);

  // AppendThen, waiting for the outcome.
  absl::Status Append(const std::vector<std::string>& events);

  const std::string& instance() const { return instance_; }

 private:
  void WriteLoop();
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  drivers::StorageDriver* const driver_;
  const std::string instance_;
  absl::Mutex mu_;
  std::string lines_ ABSL_GUARDED_BY(mu_);  // The next segment.
  std::vector<Done> waiting_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_sequence_ = 1;  // Writer thread only.
  std::thread writer_;
};

}  // namespace registry::events

#endif  // REGISTRY_STORAGED_EVENTS_EVENT_LOG_H_
