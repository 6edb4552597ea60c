// Graceful stop on SIGINT/SIGTERM for the binaries: the signals are blocked
// in every thread and one thread waits for them. Call BlockStopSignals()
// first in main(), before any thread starts.
#ifndef REGISTRY_COMMON_STOP_SIGNALS_H_
#define REGISTRY_COMMON_STOP_SIGNALS_H_

#include <functional>
#include <thread>

namespace registry {

// Blocks SIGINT and SIGTERM in this thread and every thread it creates;
// ignores SIGPIPE (a peer that went away is an error return, not a crash).
void BlockStopSignals();

// A thread that waits for SIGINT or SIGTERM, then calls `on_stop(signal)`.
// The caller joins it. REQUIRES: BlockStopSignals() was called.
std::thread OnStopSignal(std::function<void(int)> on_stop);

}  // namespace registry

#endif  // REGISTRY_COMMON_STOP_SIGNALS_H_
