#include "storaged/gc/reachability.h"

namespace registry::gc {

RepositoryMark MarkRepository(const RepositoryManifests& manifests,
                              const MarkRules& rules) {
  std::map<Digest, std::vector<Digest>> referrers;  // Subject -> referrers.
  for (const auto& [digest, revision] : manifests.revisions) {
    if (revision.subject.has_value()) {
      referrers[*revision.subject].push_back(digest);
    }
  }
  RepositoryMark mark;
  std::vector<Digest> pending;
  auto keep = [&](const Digest& digest) {
    if (mark.kept.insert(digest).second) pending.push_back(digest);
  };
  for (const auto& [tag, digest] : manifests.tags) keep(digest);
  for (const auto& [digest, revision] : manifests.revisions) {
    if (!rules.delete_untagged || revision.mod_time >= rules.cutoff) {
      keep(digest);
    }
  }
  while (!pending.empty()) {
    Digest digest = pending.back();
    pending.pop_back();
    auto revision = manifests.revisions.find(digest);
    if (revision != manifests.revisions.end()) {
      for (const Digest& child : revision->second.children) keep(child);
    }
    if (rules.delete_referrers) continue;
    auto found = referrers.find(digest);
    if (found == referrers.end()) continue;
    for (const Digest& referrer : found->second) keep(referrer);
  }
  for (const auto& [digest, revision] : manifests.revisions) {
    if (!mark.kept.count(digest)) mark.deleted.push_back(digest);
  }
  return mark;
}

}  // namespace registry::gc
