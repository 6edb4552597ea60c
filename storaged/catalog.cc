#include "storaged/catalog.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "storaged/paths.h"

namespace registry {

absl::StatusOr<std::vector<std::string>> ListRepositories(
    drivers::StorageDriver& driver) {
  const std::string root = paths::RepositoriesRoot();
  std::vector<std::string> names;
  absl::Status walked = driver.Walk(root, [&](const drivers::FileInfo& info) {
    if (!info.is_dir) return drivers::WalkAction::kContinue;
    absl::string_view path = info.path;
    absl::string_view base = path.substr(path.rfind('/') + 1);
    if (base == paths::kManifestsDir) {
      path.remove_suffix(base.size() + 1);
      names.emplace_back(path.substr(root.size() + 1));
      return drivers::WalkAction::kSkipDir;
    }
    return absl::StartsWith(base, "_") ? drivers::WalkAction::kSkipDir
                                       : drivers::WalkAction::kContinue;
  });
  if (absl::IsNotFound(walked)) return names;
  if (!walked.ok()) return walked;
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace registry
