// Creates drivers by name ("filesystem", "inmemory", ...). Each driver
// library provides a DriverFactory; RegisterBuiltinDrivers() registers them
// explicitly (no static initialisers). Thread-safe.
#ifndef REGISTRY_DRIVERS_FACTORY_H_
#define REGISTRY_DRIVERS_FACTORY_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "drivers/driver.h"

namespace registry::drivers {

// Driver parameters as key/value strings (e.g. "rootdirectory" -> "/data"),
// with Distribution's configuration key names.
using DriverParams = std::map<std::string, std::string>;

class DriverFactory {
 public:
  virtual ~DriverFactory() = default;
  // The name under which the driver is configured.
  virtual absl::string_view Name() const = 0;
  // A new driver. InvalidArgument for missing or malformed parameters.
  virtual absl::StatusOr<StorageDriverPtr> Create(
      const DriverParams& params) const = 0;
};

// Adds `factory`. AlreadyExists when its name is taken.
absl::Status RegisterDriverFactory(std::unique_ptr<DriverFactory> factory);

// A driver from the factory named `name`. NotFound for an unknown name.
absl::StatusOr<StorageDriverPtr> CreateDriver(absl::string_view name,
                                              const DriverParams& params);

}  // namespace registry::drivers

#endif  // REGISTRY_DRIVERS_FACTORY_H_
