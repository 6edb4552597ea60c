#include "storaged/scrub.h"

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/digest.h"
#include "common/names.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "drivers/path_check.h"
#include "storaged/paths.h"

namespace registry {
namespace {

constexpr size_t kHashChunk = 1 << 20;
constexpr int64_t kProgressBlobs = 1000;
constexpr int64_t kProgressBytes = int64_t{256} << 20;

// The digest a path's "sha256/<hex>" component pair names.
absl::StatusOr<Digest> DigestAt(absl::string_view algorithm,
                                absl::string_view hex) {
  return Digest::Parse(absl::StrCat(algorithm, ":", hex));
}

// A path below the repositories root, split at the repository's first
// "_"-component: the repository name and the components after it.
struct RepoPath {
  std::string repository;
  std::vector<std::string> rest;  // e.g. {"_layers", "sha256", hex, "link"}
};

absl::optional<RepoPath> SplitRepoPath(absl::string_view root,
                                       absl::string_view path) {
  if (!absl::StartsWith(path, root) || path.size() <= root.size() + 1) {
    return absl::nullopt;
  }
  std::vector<std::string> parts =
      absl::StrSplit(path.substr(root.size() + 1), '/');
  RepoPath out;
  size_t i = 0;
  for (; i < parts.size() && !absl::StartsWith(parts[i], "_"); ++i) {
    absl::StrAppend(&out.repository, out.repository.empty() ? "" : "/",
                    parts[i]);
  }
  if (i == parts.size() || out.repository.empty()) return absl::nullopt;
  out.rest.assign(parts.begin() + i, parts.end());
  return out;
}

class Scrubber {
 public:
  Scrubber(drivers::StorageDriver& driver, const ScrubOptions& options)
      : driver_(driver), options_(options), started_(absl::Now()) {}

  absl::StatusOr<ScrubReport> Run() {
    RETURN_IF_ERROR(ScrubBlobs());
    RETURN_IF_ERROR(ScrubRepositories());
    report_.duration = absl::Now() - started_;
    return report_;
  }

 private:
  void Find(std::string kind, std::string subject, std::string detail,
            bool repaired) {
    report_.findings.push_back(
        {std::move(kind), std::move(subject), std::move(detail), repaired});
  }

  bool Young(absl::Time mod_time) {
    bool young = started_ - mod_time < options_.grace;
    if (young) ++report_.skipped_young;
    return young;
  }

  void Progress() {
    if (!options_.progress) return;
    if (report_.blobs - last_blobs_ < kProgressBlobs &&
        report_.bytes - last_bytes_ < kProgressBytes) {
      return;
    }
    last_blobs_ = report_.blobs;
    last_bytes_ = report_.bytes;
    options_.progress(absl::StrCat("scrub: ", report_.blobs, " blobs (",
                                   report_.bytes, " bytes) hashed"));
  }

  // The digest of the content at `path`, and its size.
  absl::StatusOr<std::pair<Digest, int64_t>> Hash(const std::string& path) {
    ASSIGN_OR_RETURN(drivers::FileReaderPtr reader, driver_.Reader(path, 0));
    Sha256Hasher hasher;
    std::string buf(kHashChunk, '\0');
    int64_t size = 0;
    while (true) {
      ASSIGN_OR_RETURN(size_t n, reader->Read(buf.data(), buf.size()));
      if (n == 0) break;
      hasher.Update(absl::string_view(buf.data(), n));
      size += static_cast<int64_t>(n);
    }
    return std::make_pair(hasher.Finish(), size);
  }

  absl::Status ScrubBlobs() {
    std::vector<drivers::FileInfo> data;
    absl::Status walked =
        driver_.Walk(paths::BlobsRoot(), [&](const drivers::FileInfo& info) {
          if (!info.is_dir && absl::EndsWith(info.path, "/data")) {
            data.push_back(info);
          }
          return drivers::WalkAction::kContinue;
        });
    if (absl::IsNotFound(walked)) return absl::OkStatus();
    RETURN_IF_ERROR(walked);
    for (const drivers::FileInfo& info : data) {
      // .../blobs/<algorithm>/<xx>/<hex>/data
      std::vector<absl::string_view> parts = absl::StrSplit(info.path, '/');
      if (parts.size() < 5) continue;
      absl::StatusOr<Digest> digest =
          DigestAt(parts[parts.size() - 4], parts[parts.size() - 2]);
      if (!digest.ok()) continue;
      absl::StatusOr<std::pair<Digest, int64_t>> hashed = Hash(info.path);
      if (absl::IsNotFound(hashed.status())) continue;  // Deleted meanwhile.
      RETURN_IF_ERROR(hashed.status());
      ++report_.blobs;
      report_.bytes += hashed->second;
      if (hashed->first == *digest) {
        stored_.insert(digest->hex());
      } else {
        RETURN_IF_ERROR(BadBlob(info.path, *digest, *hashed));
      }
      Progress();
    }
    return absl::OkStatus();
  }

  absl::Status BadBlob(const std::string& path, const Digest& digest,
                       std::pair<Digest, int64_t> actual) {
    bool repaired = false;
    std::string where;
    if (options_.repair) {
      // Moved first, then judged again: a push may have replaced the bad
      // file with verified bytes since it was hashed, and those must stay.
      std::string aside = paths::QuarantinePath(
          digest, absl::StrCat(absl::ToUnixNanos(absl::Now())));
      absl::Status moved = driver_.Move(path, aside);
      if (absl::IsNotFound(moved)) return absl::OkStatus();  // Gone meanwhile.
      RETURN_IF_ERROR(moved);
      ASSIGN_OR_RETURN(actual, Hash(aside));
      if (actual.first == digest) {
        RETURN_IF_ERROR(driver_.Move(aside, path));  // Good now: put back.
        stored_.insert(digest.hex());
        return absl::OkStatus();
      }
      where = absl::StrCat("; quarantined at ", aside);
      repaired = true;
    }
    Find("bad blob", digest.ToString(),
         absl::StrCat("holds ", actual.second, " bytes that hash to ",
                      actual.first.ToString(), where),
         repaired);
    return absl::OkStatus();
  }

  // Whether the blob is stored (and was not found bad).
  bool Stored(const Digest& digest) {
    if (stored_.count(digest.hex())) return true;
    // Stored after the blob walk? Then it is new and not yet hashed.
    return driver_.Stat(paths::BlobDataPath(digest)).ok() &&
           !bad_.count(digest.hex());
  }

  absl::Status ScrubRepositories() {
    for (const ScrubFinding& finding : report_.findings) {
      if (finding.kind == "bad blob") bad_.insert(finding.subject.substr(7));
    }
    const std::string root = paths::RepositoriesRoot();
    std::vector<drivers::FileInfo> entries;
    absl::Status walked =
        driver_.Walk(root, [&](const drivers::FileInfo& info) {
          entries.push_back(info);
          absl::string_view path = info.path;
          // Uploads are judged by their directory; history is not checked.
          if (info.is_dir && absl::EndsWith(path, "/index") &&
              absl::StrContains(path, "/_manifests/tags/")) {
            return drivers::WalkAction::kSkipDir;
          }
          if (info.is_dir &&
              absl::EndsWith(drivers::ParentPath(path), "/_uploads")) {
            return drivers::WalkAction::kSkipDir;
          }
          return drivers::WalkAction::kContinue;
        });
    if (absl::IsNotFound(walked)) return absl::OkStatus();
    RETURN_IF_ERROR(walked);
    for (const drivers::FileInfo& info : entries) {
      absl::optional<RepoPath> at = SplitRepoPath(root, info.path);
      if (!at.has_value()) continue;
      absl::StatusOr<RepositoryName> name =
          RepositoryName::Parse(at->repository);
      if (!name.ok()) continue;
      RETURN_IF_ERROR(Check(*name, *at, info));
    }
    return absl::OkStatus();
  }

  absl::Status Check(const RepositoryName& name, const RepoPath& at,
                     const drivers::FileInfo& info) {
    const std::vector<std::string>& r = at.rest;
    if (!info.is_dir && r.size() == 4 && r[0] == "_layers" && r[3] == "link") {
      return CheckLink(name, info, r[1], r[2], "layer link");
    }
    if (!info.is_dir && r.size() == 5 && r[0] == "_manifests" &&
        r[1] == "revisions" && r[4] == "link") {
      return CheckLink(name, info, r[2], r[3], "manifest link");
    }
    if (!info.is_dir && r.size() == 6 && r[0] == "_referrers" &&
        r[5] == "link") {
      return CheckLink(name, info, r[3], r[4], "referrer link");
    }
    if (info.is_dir && r.size() == 3 && r[0] == "_manifests" &&
        r[1] == "tags") {
      return CheckTag(name, r[2], info);
    }
    if (info.is_dir && r.size() == 2 && r[0] == "_uploads") {
      return CheckUpload(name, r[1], info);
    }
    return absl::OkStatus();
  }

  // A link must name the digest of its path, and the blob must be stored
  // (a referrer's manifest must also be in the repository).
  absl::Status CheckLink(const RepositoryName& name,
                         const drivers::FileInfo& info,
                         absl::string_view algorithm, absl::string_view hex,
                         const char* kind) {
    ++report_.links;
    absl::StatusOr<Digest> digest = DigestAt(algorithm, hex);
    if (!digest.ok()) return absl::OkStatus();
    absl::StatusOr<std::string> text = driver_.GetContent(info.path);
    if (absl::IsNotFound(text.status())) return absl::OkStatus();
    RETURN_IF_ERROR(text.status());
    std::string problem;
    if (*text != digest->ToString()) {
      problem = absl::StrCat("names ", text->substr(0, 80));
    } else if (!Stored(*digest)) {
      problem = "its blob is not stored";
    } else if (absl::string_view(kind) == "referrer link" &&
               !driver_.Stat(paths::ManifestRevisionLinkPath(name, *digest))
                    .ok()) {
      problem = "its manifest is not in the repository";
    }
    if (problem.empty() || Young(info.mod_time)) return absl::OkStatus();
    bool repaired = false;
    if (options_.repair) {
      absl::Status removed = driver_.Delete(info.path);
      if (!removed.ok() && !absl::IsNotFound(removed)) return removed;
      repaired = true;
    }
    Find(kind, absl::StrCat(name.str(), "@", digest->ToString()),
         std::move(problem), repaired);
    return absl::OkStatus();
  }

  // A tag must have a current link naming a manifest of the repository.
  absl::Status CheckTag(const RepositoryName& name, const std::string& tag,
                        const drivers::FileInfo& info) {
    ++report_.tags;
    std::string problem;
    absl::StatusOr<std::string> current =
        driver_.GetContent(absl::StrCat(info.path, "/current/link"));
    if (absl::IsNotFound(current.status())) {
      problem = "has no current link";
    } else {
      RETURN_IF_ERROR(current.status());
      absl::StatusOr<Digest> digest = Digest::Parse(*current);
      if (!digest.ok()) {
        problem = "has an unreadable current link";
      } else if (!driver_.Stat(paths::ManifestRevisionLinkPath(name, *digest))
                      .ok() ||
                 !Stored(*digest)) {
        problem = absl::StrCat("names ", digest->ToString(),
                               ", which the repository lacks");
      }
    }
    if (problem.empty() || Young(info.mod_time)) return absl::OkStatus();
    bool repaired = false;
    if (options_.repair) {
      ASSIGN_OR_RETURN(repaired, RemoveTag(name, info.path));
    }
    Find("broken tag", absl::StrCat(name.str(), ":", tag), std::move(problem),
         repaired);
    return absl::OkStatus();
  }

  // Removes a tag directory under the repository's tag lock.
  absl::StatusOr<bool> RemoveTag(const RepositoryName& name,
                                 const std::string& path) {
    ASSIGN_OR_RETURN(
        drivers::PathLockPtr lock,
        driver_.Lock(paths::ManifestsLockPath(name), absl::Seconds(20)));
    absl::Status removed = driver_.Delete(path);
    if (!removed.ok() && !absl::IsNotFound(removed)) return removed;
    return true;
  }

  // An upload with hash states but neither data nor a commit marker lost
  // its data.
  absl::Status CheckUpload(const RepositoryName& name, const std::string& id,
                           const drivers::FileInfo& info) {
    if (driver_.Stat(paths::UploadDataPath(name, id)).ok() ||
        driver_.Stat(paths::UploadCommittedPath(name, id)).ok() ||
        !driver_.Stat(paths::UploadHashStatesPath(name, id)).ok() ||
        Young(info.mod_time)) {
      return absl::OkStatus();
    }
    bool repaired = false;
    if (options_.repair) {
      absl::StatusOr<drivers::PathLockPtr> lock =
          driver_.Lock(paths::UploadLockPath(name, id), absl::ZeroDuration());
      if (lock.ok()) {
        absl::Status removed = driver_.Delete(paths::UploadPath(name, id));
        repaired = removed.ok() || absl::IsNotFound(removed);
      }
    }
    Find("upload without data", absl::StrCat(name.str(), " upload ", id),
         "hash states remain but the data is gone", repaired);
    return absl::OkStatus();
  }

  drivers::StorageDriver& driver_;
  const ScrubOptions& options_;
  const absl::Time started_;
  ScrubReport report_;
  std::set<std::string> stored_;  // Hex of blobs that hash right.
  std::set<std::string> bad_;     // Hex of blobs that do not.
  int64_t last_blobs_ = 0;
  int64_t last_bytes_ = 0;
};

}  // namespace

int64_t ScrubReport::Unrepaired() const {
  return std::count_if(findings.begin(), findings.end(),
                       [](const ScrubFinding& f) { return !f.repaired; });
}

std::string ScrubReport::Summary() const {
  int64_t repaired = static_cast<int64_t>(findings.size()) - Unrepaired();
  return absl::StrCat(
      "scrub: ", blobs, " blobs (", bytes, " bytes) hashed, ", links,
      " links and ", tags, " tags checked, ", skipped_young,
      " too young to judge; ", findings.size(), " problems, ", repaired,
      " repaired; ",
      absl::FormatDuration(absl::Trunc(duration, absl::Milliseconds(1))));
}

absl::StatusOr<ScrubReport> Scrub(drivers::StorageDriver& driver,
                                  const ScrubOptions& options) {
  return Scrubber(driver, options).Run();
}

}  // namespace registry
