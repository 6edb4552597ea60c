// The durable queue one storaged instance writes its events to: segments
// events/<instance>/<sequence>.json in the store (paths.h), each a batch of
// events as JSON lines, written with PutContent (atomic and durable, on
// every driver) before Append returns. A call therefore answers only after
// its event is stored, and a process killed at any point loses no event
// it acknowledged. Appends made while a segment is being written share the
// next one (group commit), so the store sees one write per batch, not per
// event. Sequences grow; a failed write leaves a gap. Thread-safe.
#ifndef REGISTRY_STORAGED_EVENTS_EVENT_LOG_H_
#define REGISTRY_STORAGED_EVENTS_EVENT_LOG_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "drivers/driver.h"

namespace registry::events {

class EventLog {
 public:
  // A log of the instance `instance` (a fresh id per process) in `driver`.
  EventLog(drivers::StorageDriver* driver, std::string instance);

  // Stores `events` (EventJson texts) durably, in a segment with any other
  // events appended meanwhile. The driver's error when the segment cannot
  // be written (then none of them is stored).
  absl::Status Append(const std::vector<std::string>& events);

  const std::string& instance() const { return instance_; }

 private:
  struct Batch {
    std::string lines;
    bool done = false;
    absl::Status status;
  };

  drivers::StorageDriver* const driver_;
  const std::string instance_;
  absl::Mutex mu_;
  absl::CondVar written_;
  std::shared_ptr<Batch> open_ ABSL_GUARDED_BY(mu_);  // Collecting events.
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_sequence_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace registry::events

#endif  // REGISTRY_STORAGED_EVENTS_EVENT_LOG_H_
