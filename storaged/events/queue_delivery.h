// Delivery of one event queue (events/<instance>/, event_log.h) to one
// endpoint: the segments after the endpoint's cursor, in sequence order,
// consecutive ones together as one envelope of the events the endpoint
// takes (up to kMaxEnvelopeEvents or kMaxEnvelopeBytes), retried until
// accepted. The cursor (events/<instance>/cursor-<endpoint>: the last
// segment delivered) is written after each accepted POST, so a process killed
// between the POST and the cursor sends those segments again: delivery is at
// least once and receivers de-duplicate by event id. When the segments
// after the cursor exceed the endpoint's queue.maxbytes (checked at each
// pass and after each failed POST, so a dead endpoint does not let the
// queue grow), the oldest are skipped (counted and logged) until they fit.
// Thread-compatible.
#ifndef REGISTRY_STORAGED_EVENTS_QUEUE_DELIVERY_H_
#define REGISTRY_STORAGED_EVENTS_QUEUE_DELIVERY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "drivers/driver.h"
#include "storaged/events/endpoint_sink.h"

namespace registry::events {

// An envelope gathers segments until it holds this many events, or their
// segments this many bytes (a larger segment goes alone).
inline constexpr size_t kMaxEnvelopeEvents = 100;
inline constexpr int64_t kMaxEnvelopeBytes = 1 << 20;

// Distribution's retry rule for one endpoint: after a failure, try again
// at once until `threshold` failures in a row, then wait `backoff` between
// attempts. Thread-compatible.
class RetryPolicy {
 public:
  RetryPolicy(int64_t threshold, absl::Duration backoff)
      : threshold_(threshold), backoff_(backoff) {}
  // Records a failure; how long to wait before the next attempt.
  absl::Duration Failed();
  void Succeeded() { failures_ = 0; }

 private:
  const int64_t threshold_;
  const absl::Duration backoff_;
  int64_t failures_ = 0;
};

// What one pass over a queue did.
struct DeliveryPass {
  int64_t segments = 0;       // Delivered (or had nothing for the endpoint).
  int64_t events = 0;         // Sent and accepted.
  int64_t dropped = 0;        // Events skipped by queue.maxbytes.
  int64_t pending_bytes = 0;  // Left after the cursor (0 when drained).
  absl::Time oldest_pending;  // Of the first segment left; none if drained.
};

// One segment of a queue.
struct SegmentFile {
  uint64_t sequence = 0;
  std::string path;
  int64_t size = 0;
  absl::Time written;
};

// The segments of `instance`'s queue in sequence order, from one listing
// (none when it has no queue).
absl::StatusOr<std::vector<SegmentFile>> ListSegments(
    drivers::StorageDriver& driver, const std::string& instance);

// Where an endpoint's cursor in `instance`'s queue is kept.
std::string CursorPath(const std::string& instance,
                       const std::string& endpoint);

// The segment the endpoint's cursor names in `instance`'s queue (0: none).
absl::StatusOr<uint64_t> ReadCursor(drivers::StorageDriver& driver,
                                    const std::string& instance,
                                    const std::string& endpoint);

// Sends `instance`'s segments after `sink`'s cursor, each retried under
// `retry` until accepted or `stop` is notified (then it returns what it
// did, Cancelled). Errors of the store are returned at once.
absl::StatusOr<DeliveryPass> DeliverQueue(drivers::StorageDriver& driver,
                                          const std::string& instance,
                                          EndpointSink& sink,
                                          RetryPolicy& retry,
                                          const absl::Notification& stop);

}  // namespace registry::events

#endif  // REGISTRY_STORAGED_EVENTS_QUEUE_DELIVERY_H_
