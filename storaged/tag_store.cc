#include "storaged/tag_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "storaged/paths.h"

namespace registry {
namespace {

// How long a tag change waits for another one in the same repository.
constexpr absl::Duration kLockWait = absl::Seconds(20);

absl::Status TagUnknown(const RepositoryName& name, const Tag& tag) {
  return Error(absl::StatusCode::kNotFound, v1::MANIFEST_UNKNOWN,
               absl::StrCat("tag \"", tag.str(), "\" unknown in repository ",
                            name.str()),
               tag.str());
}

}  // namespace

Page Paginate(const std::vector<std::string>& sorted, absl::optional<int> n,
              absl::string_view last) {
  Page page;
  auto it = last.empty() ? sorted.begin()
                         : std::upper_bound(sorted.begin(), sorted.end(),
                                            std::string(last));
  size_t limit =
      n.has_value() ? static_cast<size_t>(std::max(*n, 0)) : sorted.size();
  for (; it != sorted.end() && page.items.size() < limit; ++it) {
    page.items.push_back(*it);
  }
  page.more = it != sorted.end();
  return page;
}

absl::StatusOr<Digest> TagStore::Resolve(const RepositoryName& name,
                                         const Tag& tag) {
  absl::StatusOr<std::string> link =
      driver_->GetContent(paths::TagCurrentLinkPath(name, tag));
  if (absl::IsNotFound(link.status())) return TagUnknown(name, tag);
  RETURN_IF_ERROR(link.status());
  return Digest::Parse(*link);
}

absl::StatusOr<drivers::PathLockPtr> TagStore::Lock(
    const RepositoryName& name) {
  absl::StatusOr<drivers::PathLockPtr> lock =
      driver_->Lock(paths::ManifestsLockPath(name), kLockWait);
  if (absl::IsAborted(lock.status())) {
    return absl::UnavailableError(
        absl::StrCat("the tags of repository ", name.str(),
                     " are being changed by another request; retry"));
  }
  return lock;
}

absl::Status TagStore::Put(const RepositoryName& name, const Tag& tag,
                           const Digest& digest) {
  // The current link first: a tag directory that exists can be resolved,
  // so listings need not look inside each one. The index is history.
  RETURN_IF_ERROR(driver_->PutContent(paths::TagCurrentLinkPath(name, tag),
                                      digest.ToString()));
  return driver_->PutContent(paths::TagIndexLinkPath(name, tag, digest),
                             digest.ToString());
}

absl::StatusOr<std::vector<std::string>> TagStore::All(
    const RepositoryName& name) {
  absl::StatusOr<std::vector<std::string>> paths =
      driver_->List(paths::TagsPath(name));
  if (absl::IsNotFound(paths.status())) {
    // Object stores keep no empty directories: a repository whose tags were
    // all deleted has no tags directory but still exists.
    absl::Status exists = driver_->Stat(paths::RepositoryPath(name)).status();
    if (exists.ok()) return std::vector<std::string>();
    if (!absl::IsNotFound(exists)) return exists;
    return Error(absl::StatusCode::kNotFound, v1::NAME_UNKNOWN,
                 absl::StrCat("repository ", name.str(), " unknown"),
                 name.str());
  }
  RETURN_IF_ERROR(paths.status());
  std::vector<std::string> tags;
  tags.reserve(paths->size());
  for (const std::string& path : *paths) {
    // Only tags that resolve: a tag directory without its current link is
    // being written or removed (or was left by a crash).
    absl::Status current =
        driver_->Stat(absl::StrCat(path, "/current/link")).status();
    if (absl::IsNotFound(current)) continue;
    RETURN_IF_ERROR(current);
    tags.push_back(path.substr(path.rfind('/') + 1));
  }
  std::sort(tags.begin(), tags.end());
  return tags;
}

absl::Status TagStore::Delete(const RepositoryName& name, const Tag& tag) {
  // The current link first: the tag stops resolving and listing at once;
  // the rest is history.
  absl::Status unlinked = driver_->Delete(paths::TagCurrentLinkPath(name, tag));
  if (absl::IsNotFound(unlinked)) return TagUnknown(name, tag);
  RETURN_IF_ERROR(unlinked);
  absl::Status removed = driver_->Delete(paths::TagPath(name, tag));
  return absl::IsNotFound(removed) ? absl::OkStatus() : removed;
}

absl::Status TagStore::DeleteTagsOf(const RepositoryName& name,
                                    const Digest& digest) {
  absl::StatusOr<std::vector<std::string>> tags = All(name);
  if (absl::IsNotFound(tags.status())) return absl::OkStatus();
  RETURN_IF_ERROR(tags.status());
  for (const std::string& text : *tags) {
    ASSIGN_OR_RETURN(Tag tag, Tag::Parse(text));
    absl::StatusOr<Digest> target = Resolve(name, tag);
    if (target.ok() && *target == digest) {
      absl::Status removed = Delete(name, tag);
      if (!removed.ok() && !absl::IsNotFound(removed)) return removed;
    }
  }
  return absl::OkStatus();
}

}  // namespace registry
