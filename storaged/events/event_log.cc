#include "storaged/events/event_log.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "storaged/paths.h"

namespace registry::events {

EventLog::EventLog(drivers::StorageDriver* driver, std::string instance)
    : driver_(driver),
      instance_(std::move(instance)),
      open_(std::make_shared<Batch>()) {}

absl::Status EventLog::Append(const std::vector<std::string>& events) {
  if (events.empty()) return absl::OkStatus();
  absl::MutexLock lock(&mu_);
  std::shared_ptr<Batch> mine = open_;
  for (const std::string& event : events) {
    absl::StrAppend(&mine->lines, event, "\n");
  }
  while (!mine->done) {
    if (writing_) {
      written_.Wait(&mu_);
      continue;
    }
    // Lead: write the open batch (ours, or the one after a batch we waited
    // on) while new appends collect in the next.
    writing_ = true;
    std::shared_ptr<Batch> batch =
        std::exchange(open_, std::make_shared<Batch>());
    const uint64_t sequence = next_sequence_++;
    mu_.Unlock();
    absl::Status status = driver_->PutContent(
        paths::EventSegmentPath(instance_, sequence), batch->lines);
    mu_.Lock();
    batch->status = std::move(status);
    batch->done = true;
    writing_ = false;
    written_.SignalAll();
  }
  return mine->status;
}

}  // namespace registry::events
