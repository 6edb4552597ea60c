#include "storaged/events/event_log.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "storaged/paths.h"

namespace registry::events {

EventLog::EventLog(drivers::StorageDriver* driver, std::string instance)
    : driver_(driver),
      instance_(std::move(instance)),
      writer_([this] { WriteLoop(); }) {}

EventLog::~EventLog() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  writer_.join();
}

void EventLog::AppendThen(const std::vector<std::string>& events, Done done) {
  if (events.empty()) {
    done(absl::OkStatus());
    return;
  }
  absl::MutexLock lock(&mu_);
  for (const std::string& event : events) {
    absl::StrAppend(&lines_, event, "\n");
  }
  waiting_.push_back(std::move(done));
}

absl::Status EventLog::Append(const std::vector<std::string>& events) {
  absl::Notification written;
  absl::Status outcome;
  AppendThen(events, [&](absl::Status status) {
    outcome = std::move(status);
    written.Notify();
  });
  written.WaitForNotification();
  return outcome;
}

bool EventLog::HasWork() const { return stopping_ || !waiting_.empty(); }

void EventLog::WriteLoop() {
  while (true) {
    std::string lines;
    std::vector<Done> waiting;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &EventLog::HasWork));
      if (waiting_.empty()) return;  // Stopping, nothing left.
      lines = std::exchange(lines_, std::string());
      waiting = std::exchange(waiting_, {});
    }
    absl::Status status = driver_->PutContent(
        paths::EventSegmentPath(instance_, next_sequence_++), lines);
    for (Done& done : waiting) done(status);
  }
}

}  // namespace registry::events
