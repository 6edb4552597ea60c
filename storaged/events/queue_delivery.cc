#include "storaged/events/queue_delivery.h"

#include <algorithm>
#include <functional>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/status_macros.h"
#include "storaged/paths.h"

namespace registry::events {
namespace {

// Between attempts below the threshold, so a refusing endpoint does not
// spin a core.
constexpr absl::Duration kRetryPause = absl::Milliseconds(20);

// Sends `events`, retrying; Cancelled when `stop` comes first, Aborted
// when, after a failure, `overflowing()` says the queue outgrew its bound
// (the caller then drops the oldest and goes on).
absl::Status SendRetrying(EndpointSink& sink, RetryPolicy& retry,
                          const std::vector<std::string>& events,
                          const absl::Notification& stop,
                          const std::function<bool()>& overflowing) {
  const std::string& name = sink.config().name;
  while (true) {
    absl::Status sent = sink.Send(events);
    if (sent.ok()) {
      retry.Succeeded();
      return absl::OkStatus();
    }
    Metrics::Global().Add("registry_events_failed_attempts_total",
                          {{"endpoint", name}}, 1);
    Log(LogLevel::kWarn, "events", "delivery failed; will retry",
        {{"endpoint", name}, {"error", sent.message()}});
    if (overflowing()) return absl::AbortedError("queue over its bound");
    if (stop.WaitForNotificationWithTimeout(retry.Failed())) {
      return absl::CancelledError("stopping");
    }
  }
}

}  // namespace

std::string CursorPath(const std::string& instance,
                       const std::string& endpoint) {
  return absl::StrCat(paths::EventQueuePath(instance), "/cursor-", endpoint);
}

absl::StatusOr<std::vector<SegmentFile>> ListSegments(
    drivers::StorageDriver& driver, const std::string& instance) {
  std::vector<SegmentFile> segments;
  absl::Status walked = driver.Walk(
      paths::EventQueuePath(instance), [&](const drivers::FileInfo& info) {
        if (info.is_dir) return drivers::WalkAction::kSkipDir;
        absl::string_view name = info.path;
        name.remove_prefix(name.rfind('/') + 1);
        uint64_t sequence = 0;
        if (absl::ConsumeSuffix(&name, ".json") &&
            absl::SimpleAtoi(name, &sequence)) {
          segments.push_back({sequence, info.path, info.size, info.mod_time});
        }
        return drivers::WalkAction::kContinue;
      });
  if (absl::IsNotFound(walked)) return segments;
  RETURN_IF_ERROR(walked);
  // Names are zero-padded: key order is sequence order.
  return segments;
}

absl::Duration RetryPolicy::Failed() {
  ++failures_;
  return failures_ >= threshold_ ? backoff_ : kRetryPause;
}

absl::StatusOr<uint64_t> ReadCursor(drivers::StorageDriver& driver,
                                    const std::string& instance,
                                    const std::string& endpoint) {
  absl::StatusOr<std::string> text =
      driver.GetContent(CursorPath(instance, endpoint));
  if (absl::IsNotFound(text.status())) return 0;
  RETURN_IF_ERROR(text.status());
  uint64_t cursor = 0;
  if (!absl::SimpleAtoi(*text, &cursor)) {
    return absl::DataLossError(absl::StrCat("malformed event cursor ",
                                            CursorPath(instance, endpoint)));
  }
  return cursor;
}

namespace {

// The segments of `instance` after `cursor` and their total size.
absl::StatusOr<std::vector<SegmentFile>> SegmentsAfter(
    drivers::StorageDriver& driver, const std::string& instance,
    uint64_t cursor, int64_t* pending) {
  ASSIGN_OR_RETURN(std::vector<SegmentFile> segments,
                   ListSegments(driver, instance));
  segments.erase(std::remove_if(segments.begin(), segments.end(),
                                [&](const SegmentFile& segment) {
                                  return segment.sequence <= cursor;
                                }),
                 segments.end());
  *pending = 0;
  for (const SegmentFile& segment : segments) *pending += segment.size;
  return segments;
}

// One pass of DeliverQueue; Aborted when the queue outgrew
// queue.maxbytes while a POST was being retried (run another pass).
absl::Status DeliverOnce(drivers::StorageDriver& driver,
                         const std::string& instance, EndpointSink& sink,
                         RetryPolicy& retry, const absl::Notification& stop,
                         DeliveryPass& pass) {
  const EndpointConfig& endpoint = sink.config();
  ASSIGN_OR_RETURN(uint64_t cursor,
                   ReadCursor(driver, instance, endpoint.name));
  int64_t pending = 0;
  ASSIGN_OR_RETURN(std::vector<SegmentFile> segments,
                   SegmentsAfter(driver, instance, cursor, &pending));
  size_t next = 0;
  int64_t dropped = 0;
  // Over queue.maxbytes: the oldest go unsent.
  while (pending > endpoint.queue_max_bytes && next < segments.size()) {
    const SegmentFile& segment = segments[next++];
    absl::StatusOr<std::string> lines = driver.GetContent(segment.path);
    if (lines.ok()) dropped += EventsFor(endpoint, *lines).size();
    pending -= segment.size;
    cursor = segment.sequence;
  }
  if (next > 0) {
    pass.dropped += dropped;
    Metrics::Global().Add("registry_events_dropped_total",
                          {{"endpoint", endpoint.name}},
                          static_cast<double>(dropped));
    Log(LogLevel::kWarn, "events",
        "queue over queue.maxbytes: dropped the oldest events",
        {{"endpoint", endpoint.name},
         {"dropped", dropped},
         {"queue", instance}});
    RETURN_IF_ERROR(driver.PutContentVolatile(
        CursorPath(instance, endpoint.name), absl::StrCat(cursor)));
  }
  while (next < segments.size()) {
    // One envelope: consecutive segments, at least one, up to the limits.
    const SegmentFile& first = segments[next];
    pass.pending_bytes = pending;
    pass.oldest_pending = first.written;
    std::vector<std::string> events;
    int64_t batch_bytes = 0;
    size_t batch_segments = 0;
    while (next < segments.size() &&
           (batch_segments == 0 ||
            (events.size() < kMaxEnvelopeEvents &&
             batch_bytes + segments[next].size <= kMaxEnvelopeBytes))) {
      const SegmentFile& segment = segments[next++];
      ++batch_segments;
      batch_bytes += segment.size;
      absl::StatusOr<std::string> lines = driver.GetContent(segment.path);
      if (absl::IsNotFound(lines.status())) continue;  // Another took it.
      RETURN_IF_ERROR(lines.status());
      for (std::string& event : EventsFor(endpoint, *lines)) {
        events.push_back(std::move(event));
      }
    }
    const uint64_t last = segments[next - 1].sequence;
    if (!events.empty()) {
      auto overflowing = [&] {
        int64_t now = 0;
        return SegmentsAfter(driver, instance, first.sequence - 1, &now).ok() &&
               now > endpoint.queue_max_bytes;
      };
      RETURN_IF_ERROR(SendRetrying(sink, retry, events, stop, overflowing));
      pass.events += static_cast<int64_t>(events.size());
      Metrics::Global().Add("registry_events_delivered_total",
                            {{"endpoint", endpoint.name}},
                            static_cast<double>(events.size()));
    }
    // Not synced: a lost cursor only sends segments again.
    RETURN_IF_ERROR(driver.PutContentVolatile(
        CursorPath(instance, endpoint.name), absl::StrCat(last)));
    pass.segments += static_cast<int64_t>(batch_segments);
    pending -= batch_bytes;
  }
  pass.pending_bytes = 0;
  pass.oldest_pending = absl::Time();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DeliveryPass> DeliverQueue(drivers::StorageDriver& driver,
                                          const std::string& instance,
                                          EndpointSink& sink,
                                          RetryPolicy& retry,
                                          const absl::Notification& stop) {
  DeliveryPass pass;
  while (true) {
    absl::Status once = DeliverOnce(driver, instance, sink, retry, stop, pass);
    if (absl::IsAborted(once)) continue;  // Outgrown: drop, then go on.
    if (absl::IsCancelled(once)) return pass;
    RETURN_IF_ERROR(once);
    return pass;
  }
}

}  // namespace registry::events
