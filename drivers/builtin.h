// Registers every driver compiled into the binary with drivers/factory.h.
#ifndef REGISTRY_DRIVERS_BUILTIN_H_
#define REGISTRY_DRIVERS_BUILTIN_H_

#include "absl/status/status.h"

namespace registry::drivers {

// Registers "filesystem" and "inmemory". Idempotent.
absl::Status RegisterBuiltinDrivers();

}  // namespace registry::drivers

#endif  // REGISTRY_DRIVERS_BUILTIN_H_
