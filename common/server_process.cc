#include "common/server_process.h"

#include <malloc.h>

#include "absl/synchronization/mutex.h"
#include "common/stop_signals.h"

namespace registry {

void InitServerProcess() {
  BlockStopSignals();
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  mallopt(M_ARENA_MAX, 4);
}

}  // namespace registry
