// A StorageDriver that counts and times every call of the driver it wraps
// (registry_driver_operations_total{driver,op,result} and
// registry_driver_operation_seconds{driver,op}); result is ok, not_found or
// error. Thread-safe as the wrapped driver.
#ifndef REGISTRY_DRIVERS_METERED_DRIVER_H_
#define REGISTRY_DRIVERS_METERED_DRIVER_H_

#include "drivers/driver.h"

namespace registry::drivers {

// Declares the metric families (once per process).
void DeclareDriverMetrics();

// `driver`, metered.
StorageDriverPtr NewMeteredDriver(StorageDriverPtr driver);

}  // namespace registry::drivers

#endif  // REGISTRY_DRIVERS_METERED_DRIVER_H_
