#include "storaged/events/dispatcher.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/status_macros.h"
#include "storaged/events/queue_delivery.h"
#include "storaged/paths.h"

namespace registry::events {
namespace {

// How long a queue whose owner file is new is left alone.
constexpr absl::Duration kStartingGrace = absl::Seconds(10);

// The least time between two trims asked for by deliveries.
constexpr absl::Duration kTrimSpacing = absl::Milliseconds(100);

std::string LockPath(const std::string& instance) {
  return absl::StrCat(paths::EventQueuePath(instance), "/lock");
}

void DeclareMetrics() {
  Metrics& metrics = Metrics::Global();
  metrics.Declare("registry_events_delivered_total", "counter",
                  "Events an endpoint accepted.");
  metrics.Declare("registry_events_failed_attempts_total", "counter",
                  "POSTs of events an endpoint did not accept.");
  metrics.Declare("registry_events_dropped_total", "counter",
                  "Events dropped unsent: the endpoint's queue.maxbytes.");
  metrics.Declare("registry_events_pending_bytes", "gauge",
                  "Bytes of stored events an endpoint has yet to get.");
  metrics.Declare("registry_events_oldest_pending_seconds", "gauge",
                  "Age of the oldest event an endpoint has yet to get.");
}

}  // namespace

absl::StatusOr<std::unique_ptr<Dispatcher>> Dispatcher::Start(
    drivers::StorageDriver* driver, std::string instance,
    std::vector<EndpointConfig> endpoints, DispatcherOptions options) {
  DeclareMetrics();
  RETURN_IF_ERROR(driver->PutContent(
      absl::StrCat(paths::EventQueuePath(instance), "/owner"),
      absl::FormatTime(absl::RFC3339_full, absl::Now(), absl::UTCTimeZone())));
  ASSIGN_OR_RETURN(drivers::PathLockPtr lock,
                   driver->Lock(LockPath(instance), absl::Seconds(1)));
  std::unique_ptr<Dispatcher> dispatcher(
      new Dispatcher(driver, instance, std::move(endpoints), options));
  {
    absl::MutexLock hold(&dispatcher->mu_);
    dispatcher->queues_[instance] = std::move(lock);
  }
  Dispatcher* self = dispatcher.get();
  for (size_t i = 0; i < self->endpoints_.size(); ++i) {
    self->threads_.emplace_back([self, i] { self->DeliverLoop(i); });
  }
  self->threads_.emplace_back([self] { self->MaintainLoop(); });
  return dispatcher;
}

Dispatcher::Dispatcher(drivers::StorageDriver* driver, std::string instance,
                       std::vector<EndpointConfig> endpoints,
                       DispatcherOptions options)
    : driver_(driver),
      instance_(std::move(instance)),
      endpoints_(std::move(endpoints)),
      options_(options) {}

Dispatcher::~Dispatcher() {
  stop_.Notify();
  Wake();
  for (std::thread& thread : threads_) thread.join();
}

void Dispatcher::Wake() {
  absl::MutexLock lock(&mu_);
  ++wakes_;
  wake_.SignalAll();
}

std::vector<std::string> Dispatcher::HeldQueues() {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> out;
  for (const auto& [instance, held] : queues_) out.push_back(instance);
  return out;
}

void Dispatcher::DeliverLoop(size_t index) {
  const EndpointConfig& endpoint = endpoints_[index];
  EndpointSink sink(endpoint);
  RetryPolicy retry(endpoint.threshold, endpoint.backoff);
  uint64_t seen = 0;
  while (!stop_.HasBeenNotified()) {
    {
      absl::MutexLock lock(&mu_);
      seen = wakes_;
    }
    bool delivered = false;
    for (const std::string& queue : HeldQueues()) {
      absl::StatusOr<DeliveryPass> pass =
          DeliverQueue(*driver_, queue, sink, retry, stop_);
      delivered |= pass.ok() && pass->segments > 0;
      if (!pass.ok()) {
        Log(LogLevel::kWarn, "events", "cannot read an event queue",
            {{"endpoint", endpoint.name},
             {"queue", queue},
             {"error", pass.status().message()}});
      }
    }
    absl::MutexLock lock(&mu_);
    if (delivered) {
      // Delivered segments go soon, so each pass lists a short queue.
      trim_wanted_ = true;
      wake_.SignalAll();
    }
    const absl::Time until = absl::Now() + options_.poll;
    while (wakes_ == seen && !stop_.HasBeenNotified() &&
           !wake_.WaitWithDeadline(&mu_, until)) {
    }
  }
}

void Dispatcher::MaintainLoop() {
  absl::Time next_search = absl::Now() + options_.poll;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      while (!trim_wanted_ && !stop_.HasBeenNotified() &&
             !wake_.WaitWithDeadline(&mu_, next_search)) {
      }
      if (stop_.HasBeenNotified()) return;
      trim_wanted_ = false;
    }
    if (absl::Now() >= next_search) {
      AdoptAbandoned();
      next_search = absl::Now() + options_.poll;
    }
    Trim();
    if (stop_.WaitForNotificationWithTimeout(kTrimSpacing)) return;
  }
}

void Dispatcher::AdoptAbandoned() {
  absl::StatusOr<std::vector<std::string>> dirs =
      driver_->List(paths::EventsRoot());
  if (!dirs.ok()) return;
  for (const std::string& dir : *dirs) {
    std::string instance = dir.substr(dir.rfind('/') + 1);
    {
      absl::MutexLock lock(&mu_);
      if (queues_.count(instance) > 0) continue;
    }
    // A process writes its queue's owner file just before it takes the
    // lock: leave a queue without one (and without segments) or with a
    // young one to the process that is starting on it.
    absl::StatusOr<drivers::FileInfo> owner =
        driver_->Stat(absl::StrCat(paths::EventQueuePath(instance), "/owner"));
    if (owner.ok() && absl::Now() - owner->mod_time < kStartingGrace) {
      continue;
    }
    if (!owner.ok()) {
      absl::StatusOr<std::vector<SegmentFile>> segments =
          ListSegments(*driver_, instance);
      if (!segments.ok() || segments->empty()) continue;
    }
    absl::StatusOr<drivers::PathLockPtr> taken =
        driver_->Lock(LockPath(instance), absl::ZeroDuration());
    if (!taken.ok()) continue;  // Its instance lives, or it is gone.
    Log(LogLevel::kInfo, "events",
        "took over the event queue of an instance that is gone",
        {{"queue", instance}});
    absl::MutexLock lock(&mu_);
    queues_[instance] = *std::move(taken);
    ++wakes_;
    wake_.SignalAll();
  }
}

void Dispatcher::Trim() {
  std::vector<int64_t> pending_bytes(endpoints_.size(), 0);
  std::vector<absl::Time> oldest(endpoints_.size(), absl::InfiniteFuture());
  for (const std::string& queue : HeldQueues()) {
    absl::StatusOr<std::vector<SegmentFile>> segments =
        ListSegments(*driver_, queue);
    if (!segments.ok()) continue;
    uint64_t delivered = std::numeric_limits<uint64_t>::max();
    for (size_t e = 0; e < endpoints_.size(); ++e) {
      absl::StatusOr<uint64_t> cursor =
          ReadCursor(*driver_, queue, endpoints_[e].name);
      if (!cursor.ok()) {
        delivered = 0;
        continue;
      }
      delivered = std::min(delivered, *cursor);
      for (const SegmentFile& segment : *segments) {
        if (segment.sequence <= *cursor) continue;
        pending_bytes[e] += segment.size;
        oldest[e] = std::min(oldest[e], segment.written);
      }
    }
    // Only files known delivered go: a segment a stalled owner adds later
    // stays for the next holder.
    std::vector<std::string> done;
    bool all = true;
    for (const SegmentFile& segment : *segments) {
      if (segment.sequence <= delivered) {
        done.push_back(segment.path);
      } else {
        all = false;
      }
    }
    if (queue != instance_ && all) {
      done.push_back(absl::StrCat(paths::EventQueuePath(queue), "/owner"));
      for (const EndpointConfig& endpoint : endpoints_) {
        done.push_back(CursorPath(queue, endpoint.name));
      }
    }
    if (!done.empty()) driver_->DeleteFiles(done).IgnoreError();
    if (queue != instance_ && all) {
      // Still under its lock: with no segment left, the directory (and its
      // lock file) goes, so the queue is not found and taken again. A
      // segment that appeared meanwhile keeps it for the next round.
      absl::StatusOr<std::vector<SegmentFile>> left =
          ListSegments(*driver_, queue);
      if (!left.ok() || !left->empty()) continue;
      absl::Status removed = driver_->Delete(paths::EventQueuePath(queue));
      if (!removed.ok() && !absl::IsNotFound(removed)) continue;
      absl::MutexLock lock(&mu_);
      queues_.erase(queue);
      Log(LogLevel::kInfo, "events", "delivered a taken-over event queue",
          {{"queue", queue}});
    }
  }
  const absl::Time now = absl::Now();
  for (size_t e = 0; e < endpoints_.size(); ++e) {
    MetricLabels labels = {{"endpoint", endpoints_[e].name}};
    Metrics::Global().Set("registry_events_pending_bytes", labels,
                          static_cast<double>(pending_bytes[e]));
    Metrics::Global().Set("registry_events_oldest_pending_seconds", labels,
                          oldest[e] == absl::InfiniteFuture()
                              ? 0
                              : absl::ToDoubleSeconds(now - oldest[e]));
  }
}

}  // namespace registry::events
