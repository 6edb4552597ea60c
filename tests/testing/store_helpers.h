// Building content in a Storage directly (no processes): uploads and image
// manifests, for tests of the stores and the collector.
#ifndef REGISTRY_TESTS_TESTING_STORE_HELPERS_H_
#define REGISTRY_TESTS_TESTING_STORE_HELPERS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/digest.h"
#include "common/names.h"
#include "storaged/storage.h"

namespace registry::testing {

// Uploads `content` into `repo` through an upload (start, write, commit).
absl::StatusOr<Digest> UploadBlob(Storage& storage, const RepositoryName& repo,
                                  const std::string& content);

// An OCI image manifest naming `config` and `layers`, with `extra` JSON
// members (e.g. a subject) appended.
std::string ImageManifestJson(const Digest& config,
                              const std::vector<Digest>& layers,
                              const std::string& extra = "");

// An OCI index naming `manifests`.
std::string IndexJson(const std::vector<Digest>& manifests);

}  // namespace registry::testing

#endif  // REGISTRY_TESTS_TESTING_STORE_HELPERS_H_
