// Retention policies (storage.maintenance.retention.policies): which tags
// of a repository a collection deletes, and whether its untagged manifests
// and referrers go. The first policy whose glob matches a repository
// applies; repositories no policy matches keep every tag. Policies only
// choose what becomes unreachable; the collector frees it. Immutable once
// built; thread-safe.
#ifndef REGISTRY_STORAGED_GC_RETENTION_H_
#define REGISTRY_STORAGED_GC_RETENTION_H_

#include <cstdint>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"

namespace registry::gc {

// A repository glob: "*" matches within one path component, "**" across
// components, "?" one character other than "/"; everything else is
// literal and must be a repository name character.
class RepositoryGlob {
 public:
  // InvalidArgument naming what is wrong.
  static absl::StatusOr<RepositoryGlob> Parse(const std::string& glob);
  bool Matches(const std::string& repository) const;
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

struct RetentionPolicy {
  std::vector<RepositoryGlob> repositories;
  // keeptags: a tag is kept when any rule keeps it. Without rules, every
  // tag is kept.
  std::vector<std::string> patterns;  // Regular expressions (ECMAScript).
  std::vector<std::shared_ptr<const std::regex>> compiled;
  absl::optional<int64_t> most_recent;           // Most recently pushed.
  absl::optional<absl::Duration> pushed_within;  // Pushed within, of now.
  absl::optional<bool> delete_untagged;  // Else the collection's setting.
  bool delete_referrers = false;

  bool HasTagRules() const {
    return !patterns.empty() || most_recent.has_value() ||
           pushed_within.has_value();
  }
  // Adds a pattern; InvalidArgument when it does not compile.
  absl::Status AddPattern(const std::string& pattern);
};

// The policy for `repository`, or null.
const RetentionPolicy* PolicyFor(const std::vector<RetentionPolicy>& policies,
                                 const std::string& repository);

// The tags (by name, with their push times) that `policy` deletes at `now`,
// sorted.
std::vector<std::string> TagsToDelete(
    const RetentionPolicy& policy,
    const std::map<std::string, absl::Time>& pushed, absl::Time now);

}  // namespace registry::gc

#endif  // REGISTRY_STORAGED_GC_RETENTION_H_
