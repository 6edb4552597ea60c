// `storaged gc`: one collection against a store, from the command line.
#ifndef REGISTRY_STORAGED_GC_COMMAND_H_
#define REGISTRY_STORAGED_GC_COMMAND_H_

#include "drivers/driver.h"
#include "storaged/gc/collector.h"

namespace registry {

// Collects the store, with progress on stderr, each deletion (or, dry,
// each that would be) on stdout, and the summary last. The exit status:
// 0 when it ran to the end, 1 when it failed.
int RunGcCommand(drivers::StorageDriver& driver, gc::Options options);

}  // namespace registry

#endif  // REGISTRY_STORAGED_GC_COMMAND_H_
