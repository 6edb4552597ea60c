// Removes uploads older than an age, every interval, on a thread of its own
// (Distribution's storage.maintenance.uploadpurging). Logs what it removed,
// or only what it would remove in a dry run. Thread-safe.
#ifndef REGISTRY_STORAGED_UPLOAD_PURGER_H_
#define REGISTRY_STORAGED_UPLOAD_PURGER_H_

#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "storaged/upload_store.h"

namespace registry {

struct PurgeOptions {
  bool enabled = true;
  absl::Duration age = absl::Hours(168);
  absl::Duration interval = absl::Hours(24);
  bool dry_run = false;
};

class UploadPurger {
 public:
  // Starts purging `uploads` (which must outlive this) when enabled.
  UploadPurger(UploadStore* uploads, PurgeOptions options);
  // Stops the thread, waiting for a purge in progress.
  ~UploadPurger();

 private:
  void Run();

  UploadStore* const uploads_;
  const PurgeOptions options_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace registry

#endif  // REGISTRY_STORAGED_UPLOAD_PURGER_H_
