#include "drivers/factory.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"

namespace registry::drivers {
namespace {

struct Registry {
  absl::Mutex mu;
  std::map<std::string, std::unique_ptr<DriverFactory>, std::less<>> factories
      ABSL_GUARDED_BY(mu);
};

Registry& GetRegistry() {
  static Registry* registry = new Registry;
  return *registry;
}

}  // namespace

absl::Status RegisterDriverFactory(std::unique_ptr<DriverFactory> factory) {
  Registry& registry = GetRegistry();
  absl::MutexLock lock(&registry.mu);
  std::string name(factory->Name());
  if (registry.factories.count(name) > 0) {
    return absl::AlreadyExistsError(
        absl::StrCat("storage driver \"", name, "\" registered twice"));
  }
  registry.factories.emplace(std::move(name), std::move(factory));
  return absl::OkStatus();
}

absl::StatusOr<StorageDriverPtr> CreateDriver(absl::string_view name,
                                              const DriverParams& params) {
  Registry& registry = GetRegistry();
  absl::MutexLock lock(&registry.mu);
  auto it = registry.factories.find(name);
  if (it == registry.factories.end()) {
    std::vector<std::string> known;
    for (const auto& [known_name, unused] : registry.factories) {
      known.push_back(known_name);
    }
    return absl::NotFoundError(
        absl::StrCat("unknown storage driver \"", name,
                     "\"; known: ", absl::StrJoin(known, ", ")));
  }
  return it->second->Create(params);
}

}  // namespace registry::drivers
