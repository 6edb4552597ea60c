#include "drivers/driver.h"

#include "absl/strings/str_cat.h"

namespace registry::drivers {

absl::Status StorageDriver::PutContentVolatile(absl::string_view path,
                                               absl::string_view content) {
  return PutContent(path, content);
}

absl::Status StorageDriver::DeleteFiles(const std::vector<std::string>& paths) {
  for (const std::string& path : paths) {
    absl::Status removed = Delete(path);
    if (!removed.ok() && !absl::IsNotFound(removed)) return removed;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> StorageDriver::URLFor(absl::string_view path,
                                                  absl::Time) {
  return absl::UnimplementedError(absl::StrCat(Name(), ": no URLs for ", path));
}

}  // namespace registry::drivers
