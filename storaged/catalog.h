// The repository catalog: every repository that holds manifests, found by
// walking the repositories tree (as Distribution does). Thread-safe.
#ifndef REGISTRY_STORAGED_CATALOG_H_
#define REGISTRY_STORAGED_CATALOG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "drivers/driver.h"

namespace registry {

// Repository names in lexical order. An empty store has none.
absl::StatusOr<std::vector<std::string>> ListRepositories(
    drivers::StorageDriver& driver);

}  // namespace registry

#endif  // REGISTRY_STORAGED_CATALOG_H_
