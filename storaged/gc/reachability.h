// The mark of one repository: which manifest revisions a collection keeps.
// Pure; thread-compatible.
//
// Kept (reachable): every manifest a tag points to; with `delete_untagged`
// off, every revision; revisions modified at or after `cutoff` (young);
// then, from those, every manifest an index names and, unless
// `delete_referrers`, every referrer of a kept manifest (a revision whose
// subject it is). The rest is deleted.
#ifndef REGISTRY_STORAGED_GC_REACHABILITY_H_
#define REGISTRY_STORAGED_GC_REACHABILITY_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "common/digest.h"

namespace registry::gc {

// What a manifest revision refers to.
struct Revision {
  absl::Time mod_time;           // Of the revision link: its last put.
  std::vector<Digest> blobs;     // Config and layers.
  std::vector<Digest> children;  // Manifests an index names.
  absl::optional<Digest> subject;
};

struct RepositoryManifests {
  std::map<std::string, Digest> tags;  // Tag -> current digest.
  std::map<Digest, Revision> revisions;
};

struct MarkRules {
  bool delete_untagged = false;
  bool delete_referrers = false;
  absl::Time cutoff = absl::InfinitePast();
};

struct RepositoryMark {
  std::set<Digest> kept;
  std::vector<Digest> deleted;  // Sorted.
};

RepositoryMark MarkRepository(const RepositoryManifests& manifests,
                              const MarkRules& rules);

}  // namespace registry::gc

#endif  // REGISTRY_STORAGED_GC_REACHABILITY_H_
