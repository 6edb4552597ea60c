#include "drivers/builtin.h"

#include "common/status_macros.h"
#include "drivers/factory.h"
#include "drivers/filesystem/filesystem_driver.h"
#include "drivers/inmemory/inmemory_driver.h"
#include "drivers/s3/s3_driver.h"

namespace registry::drivers {

absl::Status RegisterBuiltinDrivers() {
  static const absl::Status* status = [] {
    absl::Status result = RegisterDriverFactory(NewFilesystemDriverFactory());
    if (result.ok()) result = RegisterDriverFactory(NewInMemoryDriverFactory());
    if (result.ok()) result = RegisterDriverFactory(NewS3DriverFactory());
    return new absl::Status(result);
  }();
  return *status;
}

}  // namespace registry::drivers
