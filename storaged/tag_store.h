// Tags of a repository: _manifests/tags/<tag>/{current,index}. A tag exists
// while its current link does: listings leave out tag directories without
// one (being written, being removed, or left by a crash). Every change to a
// repository's tags is made under the repository's tag lock
// (_manifests/lock), so puts and deletes linearize across every process on
// the store. Thread-safe.
#ifndef REGISTRY_STORAGED_TAG_STORE_H_
#define REGISTRY_STORAGED_TAG_STORE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/optional.h"
#include "common/digest.h"
#include "common/names.h"
#include "drivers/driver.h"

namespace registry {

// One page of a listing.
struct Page {
  std::vector<std::string> items;
  bool more = false;
};

// The page of `sorted` after `last`, at most `n` when set.
Page Paginate(const std::vector<std::string>& sorted, absl::optional<int> n,
              absl::string_view last);

class TagStore {
 public:
  // `driver` must outlive the store.
  explicit TagStore(drivers::StorageDriver* driver) : driver_(driver) {}

  // The digest the tag points at. NotFound (MANIFEST_UNKNOWN).
  absl::StatusOr<Digest> Resolve(const RepositoryName& name, const Tag& tag);

  // The repository's tag lock, held while tags change. NotFound when the
  // repository has no manifests; Aborted while another holder keeps it.
  absl::StatusOr<drivers::PathLockPtr> Lock(const RepositoryName& name);

  // Points the tag at `digest`. REQUIRES: the repository's tag lock.
  absl::Status Put(const RepositoryName& name, const Tag& tag,
                   const Digest& digest);

  // All tags, sorted. NotFound (NAME_UNKNOWN) when the repository does not
  // exist (nothing was ever pushed to it).
  absl::StatusOr<std::vector<std::string>> All(const RepositoryName& name);

  // Removes a tag. NotFound (MANIFEST_UNKNOWN). REQUIRES: the repository's
  // tag lock.
  absl::Status Delete(const RepositoryName& name, const Tag& tag);

  // Removes every tag currently pointing at `digest`. REQUIRES: the
  // repository's tag lock.
  absl::Status DeleteTagsOf(const RepositoryName& name, const Digest& digest);

 private:
  drivers::StorageDriver* const driver_;
};

}  // namespace registry

#endif  // REGISTRY_STORAGED_TAG_STORE_H_
