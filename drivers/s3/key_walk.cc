#include "drivers/s3/key_walk.h"

#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "drivers/path_check.h"
#include "drivers/s3/pending_file.h"

namespace registry::drivers::s3 {
namespace {

// Sorts after every key below a directory prefix "d/": path components
// hold only [A-Za-z0-9._-], all below '~'.
constexpr char kPastDirectory[] = "~";

class KeyWalk {
 public:
  KeyWalk(ObjectStore& store, absl::string_view path, const std::string& prefix,
          const WalkFn& fn)
      : store_(store), path_(path), prefix_(prefix), fn_(fn) {}

  absl::Status Run(int page_size) {
    std::string start_after;
    while (true) {
      bool relist = false;
      absl::Status listed = store_.List(
          prefix_, "", start_after, page_size, [&](const ObjectListing& page) {
            for (const ObjectEntry& object : page.objects) {
              if (!Visit(object)) return false;
            }
            // The page ended inside a skipped directory: list on after it
            // rather than through it.
            relist = page.truncated && !skip_.empty();
            return !relist;
          });
      if (!listed.ok()) return listed;
      if (!error_.ok()) return error_;
      if (stopped_ || !relist) break;
      start_after = absl::StrCat(prefix_, skip_, kPastDirectory);
    }
    if (!any_ && path_ != "/") {
      return absl::NotFoundError(
          absl::StrCat("s3: walk ", path_, ": no such file or directory"));
    }
    return absl::OkStatus();
  }

 private:
  // Visits what `object` adds: directories entered, then its file. False
  // ends the listing.
  bool Visit(const ObjectEntry& object) {
    if (!absl::StartsWith(object.key, prefix_)) return true;
    absl::string_view name =
        absl::string_view(object.key).substr(prefix_.size());
    if (!skip_.empty()) {
      if (absl::StartsWith(name, skip_)) return true;
      skip_.clear();
    }
    absl::string_view file_name = name;
    const bool pending = IsPendingKey(name, &file_name);
    if (file_name.empty() ||
        !CheckPath("s3", absl::StrCat("/", file_name)).ok()) {
      return true;  // Not a driver path (e.g. a directory marker).
    }
    any_ = true;
    std::vector<absl::string_view> parts = absl::StrSplit(file_name, '/');
    size_t common = 0;
    while (common < open_.size() && common + 1 < parts.size() &&
           open_[common] == parts[common]) {
      ++common;
    }
    open_.resize(common);
    for (size_t i = common; i + 1 < parts.size(); ++i) {
      open_.emplace_back(parts[i]);
      FileInfo dir;
      dir.path = JoinPath(path_, absl::StrJoin(open_, "/"));
      dir.is_dir = true;
      WalkAction action = fn_(dir);
      if (action == WalkAction::kStop) return Stop();
      if (action == WalkAction::kSkipDir) {
        skip_ = absl::StrCat(absl::StrJoin(open_, "/"), "/");
        return true;
      }
    }
    FileInfo file;
    file.path = JoinPath(path_, file_name);
    file.size = object.size;
    file.mod_time = object.last_modified;
    if (pending && !PendingSize(absl::StrCat(prefix_, file_name), &file)) {
      return error_.ok();
    }
    if (fn_(file) == WalkAction::kStop) return Stop();
    return true;
  }

  // For the unfinished file at `key`: false when it is not to be visited
  // (finished meanwhile, gone, or an error, kept in error_).
  bool PendingSize(const std::string& key, FileInfo* file) {
    absl::StatusOr<ObjectInfo> finished = store_.Head(key);
    if (finished.ok()) return false;  // Listed before, as a finished file.
    if (!absl::IsNotFound(finished.status())) {
      error_ = finished.status();
      return false;
    }
    absl::StatusOr<ObjectInfo> info = PendingInfo(store_, key);
    if (absl::IsNotFound(info.status())) return false;
    if (!info.ok()) {
      error_ = info.status();
      return false;
    }
    file->size = info->size;
    return true;
  }

  bool Stop() {
    stopped_ = true;
    return false;
  }

  ObjectStore& store_;
  const std::string path_;
  const std::string& prefix_;
  const WalkFn& fn_;
  std::vector<std::string> open_;  // Directories entered, below path_.
  std::string skip_;               // "a/b/" while skipping that directory.
  bool any_ = false;
  bool stopped_ = false;
  absl::Status error_;
};

}  // namespace

absl::Status WalkKeys(ObjectStore& store, absl::string_view path,
                      const std::string& prefix, int page_size,
                      const WalkFn& fn) {
  return KeyWalk(store, path, prefix, fn).Run(page_size);
}

}  // namespace registry::drivers::s3
