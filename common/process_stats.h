// Memory figures of a running process, from /proc/<pid>/status.
#ifndef REGISTRY_COMMON_PROCESS_STATS_H_
#define REGISTRY_COMMON_PROCESS_STATS_H_

#include <sys/types.h>

#include <cstdint>

namespace registry {

// Resident set size in bytes (VmRSS), or -1.
int64_t ResidentBytes(pid_t pid);

// Peak resident set size in bytes (VmHWM), or -1.
int64_t PeakResidentBytes(pid_t pid);

}  // namespace registry

#endif  // REGISTRY_COMMON_PROCESS_STATS_H_
