// Process-wide setup shared by the server binaries; call first in main(),
// before any thread starts.
#ifndef REGISTRY_COMMON_SERVER_PROCESS_H_
#define REGISTRY_COMMON_SERVER_PROCESS_H_

namespace registry {

// - Blocks SIGINT/SIGTERM (see stop_signals.h) and ignores SIGPIPE.
// - Turns off Abseil's mutex deadlock detection: Debian's build checks every
//   acquisition (as debug builds do) and gRPC locks on every call.
// - Caps glibc malloc's per-thread arenas at 4 (it would make 16 on 2
//   cores), which otherwise each keep freed transfer buffers resident.
void InitServerProcess();

}  // namespace registry

#endif  // REGISTRY_COMMON_SERVER_PROCESS_H_
