// Sends what the event queues in the store hold to the endpoints, from one
// storaged process: its own queue (events/<instance>/, which it claims with
// the lock events/<instance>/lock for its lifetime) and the queue of any
// instance that is gone (its lock free: the process died, or stopped with
// events undelivered), which it takes over under that lock. One thread per
// endpoint delivers every queue held, in order per queue
// (queue_delivery.h), so a dead endpoint holds up no other. A maintenance
// thread looks for abandoned queues (each poll), deletes segments every
// endpoint has had (each poll, and soon after a delivery), removes adopted
// queues (directory and lock) once delivered, and sets the gauges.
#ifndef REGISTRY_STORAGED_EVENTS_DISPATCHER_H_
#define REGISTRY_STORAGED_EVENTS_DISPATCHER_H_

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "drivers/driver.h"
#include "storaged/events/endpoint_sink.h"
#include "storaged/events/notifications_config.h"

namespace registry::events {

struct DispatcherOptions {
  // How often queues are looked at without a Wake (and abandoned queues
  // searched for).
  absl::Duration poll = absl::Seconds(2);
};

class Dispatcher {
 public:
  // Claims `instance`'s queue (writing events/<instance>/owner) and starts
  // delivering to `endpoints`.
  static absl::StatusOr<std::unique_ptr<Dispatcher>> Start(
      drivers::StorageDriver* driver, std::string instance,
      std::vector<EndpointConfig> endpoints, DispatcherOptions options);

  // Stops delivery (a POST in flight ends within its timeout) and releases
  // the queues held; what is undelivered stays for the next holder.
  ~Dispatcher();

  // Tells the endpoint threads that new segments are there.
  void Wake();

 private:
  Dispatcher(drivers::StorageDriver* driver, std::string instance,
             std::vector<EndpointConfig> endpoints, DispatcherOptions options);

  void DeliverLoop(size_t endpoint);
  void MaintainLoop();
  // Takes the lock of each queue no live instance holds.
  void AdoptAbandoned();
  // Deletes what every endpoint has had; sets the gauges.
  void Trim();
  std::vector<std::string> HeldQueues();

  drivers::StorageDriver* const driver_;
  const std::string instance_;
  const std::vector<EndpointConfig> endpoints_;
  const DispatcherOptions options_;
  absl::Notification stop_;
  absl::Mutex mu_;
  absl::CondVar wake_;
  uint64_t wakes_ ABSL_GUARDED_BY(mu_) = 0;
  // A delivery moved a cursor: the maintenance thread trims soon.
  bool trim_wanted_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, drivers::PathLockPtr> queues_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_;
};

}  // namespace registry::events

#endif  // REGISTRY_STORAGED_EVENTS_DISPATCHER_H_
