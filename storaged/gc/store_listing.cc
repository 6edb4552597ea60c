#include "storaged/gc/store_listing.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "storaged/paths.h"

namespace registry::gc {
namespace {

// The components of `path` below `dir`.
std::vector<absl::string_view> Below(absl::string_view dir,
                                     absl::string_view path) {
  if (!absl::StartsWith(path, dir) || path.size() <= dir.size() + 1) return {};
  return absl::StrSplit(path.substr(dir.size() + 1), '/');
}

absl::optional<Digest> DigestAt(absl::string_view algorithm,
                                absl::string_view hex) {
  absl::StatusOr<Digest> digest =
      Digest::Parse(absl::StrCat(algorithm, ":", hex));
  if (!digest.ok()) return absl::nullopt;
  return *digest;
}

// Walk, with a missing directory walked as empty.
absl::Status WalkIfPresent(drivers::StorageDriver& driver,
                           absl::string_view dir, const drivers::WalkFn& fn) {
  absl::Status walked = driver.Walk(dir, fn);
  return absl::IsNotFound(walked) ? absl::OkStatus() : walked;
}

}  // namespace

absl::StatusOr<std::vector<RepositoryName>> ListRepositoryNames(
    drivers::StorageDriver& driver) {
  const std::string root = paths::RepositoriesRoot();
  std::vector<RepositoryName> names;
  RETURN_IF_ERROR(
      WalkIfPresent(driver, root, [&](const drivers::FileInfo& info) {
        if (!info.is_dir) return drivers::WalkAction::kContinue;
        absl::string_view path = info.path;
        absl::string_view base = path.substr(path.rfind('/') + 1);
        if (!absl::StartsWith(base, "_")) return drivers::WalkAction::kContinue;
        if (base == paths::kManifestsDir || base == paths::kLayersDir) {
          absl::string_view repo = path.substr(
              root.size() + 1, path.size() - base.size() - root.size() - 2);
          absl::StatusOr<RepositoryName> name = RepositoryName::Parse(repo);
          if (name.ok()) names.push_back(*std::move(name));
        }
        return drivers::WalkAction::kSkipDir;
      }));
  std::sort(names.begin(), names.end(),
            [](const RepositoryName& a, const RepositoryName& b) {
              return a.str() < b.str();
            });
  names.erase(std::unique(names.begin(), names.end(),
                          [](const RepositoryName& a, const RepositoryName& b) {
                            return a.str() == b.str();
                          }),
              names.end());
  return names;
}

// Adds what a file below _manifests (parts after "_manifests") says.
void AddManifestLink(const std::vector<absl::string_view>& parts,
                     const drivers::FileInfo& info, ManifestLinks* links) {
  // revisions/<alg>/<hex>/link
  if (parts.size() == 4 && parts[0] == "revisions" && parts[3] == "link") {
    if (auto digest = DigestAt(parts[1], parts[2])) {
      links->revisions[*digest] = info.mod_time;
    }
  }
  // tags/<tag>/current/link
  if (parts.size() == 4 && parts[0] == "tags" && parts[2] == "current" &&
      parts[3] == "link") {
    links->tags[std::string(parts[1])] = info.mod_time;
  }
  // tags/<tag>/index/<alg>/<hex>/link
  if (parts.size() == 6 && parts[0] == "tags" && parts[2] == "index" &&
      parts[5] == "link") {
    if (auto digest = DigestAt(parts[3], parts[4])) {
      links->history.emplace_back(*digest, info.path);
    }
  }
}

absl::StatusOr<ManifestLinks> ListManifestLinks(drivers::StorageDriver& driver,
                                                const RepositoryName& name) {
  const std::string dir = paths::ManifestsPath(name);
  ManifestLinks links;
  RETURN_IF_ERROR(
      WalkIfPresent(driver, dir, [&](const drivers::FileInfo& info) {
        if (!info.is_dir) AddManifestLink(Below(dir, info.path), info, &links);
        return drivers::WalkAction::kContinue;
      }));
  return links;
}

absl::StatusOr<RepositoryListing> ListRepository(drivers::StorageDriver& driver,
                                                 const RepositoryName& name) {
  const std::string dir = paths::RepositoryPath(name);
  RepositoryListing listing;
  RETURN_IF_ERROR(
      WalkIfPresent(driver, dir, [&](const drivers::FileInfo& info) {
        std::vector<absl::string_view> parts = Below(dir, info.path);
        if (parts.empty()) return drivers::WalkAction::kContinue;
        const bool manifests = parts[0] == paths::kManifestsDir;
        // Uploads and nested repositories are not this repository's links.
        if (!manifests && parts[0] != paths::kLayersDir) {
          return drivers::WalkAction::kSkipDir;
        }
        if (info.is_dir) return drivers::WalkAction::kContinue;
        parts.erase(parts.begin());
        RawDigest raw;
        if (manifests) {
          AddManifestLink(parts, info, &listing.manifests);
        } else if (parts.size() == 3 &&
                   parts[0] == "sha256" &&  // <alg>/<hex>/link
                   parts[2] == "link" && RawOfHex(parts[1], &raw)) {
          listing.layers.push_back(raw);
        }
        return drivers::WalkAction::kContinue;
      }));
  return listing;
}

absl::StatusOr<std::vector<std::string>> ListUnits(
    drivers::StorageDriver& driver) {
  absl::StatusOr<std::vector<std::string>> children =
      driver.List(paths::BlobUnitsPath());
  if (absl::IsNotFound(children.status())) return std::vector<std::string>();
  RETURN_IF_ERROR(children.status());
  std::vector<std::string> units;
  for (const std::string& path : *children) {
    std::string unit = path.substr(path.rfind('/') + 1);
    if (unit.size() == 2 &&
        unit.find_first_not_of("0123456789abcdef") == std::string::npos) {
      units.push_back(unit);
    }
  }
  std::sort(units.begin(), units.end());
  return units;
}

absl::StatusOr<std::map<std::string, StoredBlob>> ListUnit(
    drivers::StorageDriver& driver, absl::string_view unit) {
  const std::string dir = paths::BlobUnitPath(unit);
  std::map<std::string, StoredBlob> blobs;
  RETURN_IF_ERROR(
      WalkIfPresent(driver, dir, [&](const drivers::FileInfo& info) {
        std::vector<absl::string_view> parts = Below(dir, info.path);
        // <hex>/data or <hex>/touched
        if (info.is_dir || parts.size() != 2 || !DigestAt("sha256", parts[0])) {
          return drivers::WalkAction::kContinue;
        }
        const bool data = parts[1] == "data";
        if (!data && parts[1] != "touched")
          return drivers::WalkAction::kContinue;
        StoredBlob& blob = blobs[std::string(parts[0])];
        blob.hex = std::string(parts[0]);
        if (data) {
          blob.has_data = true;
          blob.size = info.size;
        }
        blob.last_use = std::max(blob.last_use, info.mod_time);
        blob.files.push_back(info.path);
        return drivers::WalkAction::kContinue;
      }));
  return blobs;
}

absl::StatusOr<std::map<std::string, StoredBlob>> ListUnitBlobs(
    drivers::StorageDriver& driver, absl::string_view unit,
    const std::vector<std::string>& hexes) {
  std::map<std::string, StoredBlob> out;
  if (driver.BatchedListing()) {
    ASSIGN_OR_RETURN(auto listed, ListUnit(driver, unit));
    for (const std::string& hex : hexes) {
      auto found = listed.find(hex);
      if (found != listed.end()) out.insert(*found);
    }
    return out;
  }
  for (const std::string& hex : hexes) {
    const std::string dir = absl::StrCat(paths::BlobUnitPath(unit), "/", hex);
    StoredBlob blob;
    blob.hex = hex;
    for (const char* name : {"data", "touched"}) {
      const std::string path = absl::StrCat(dir, "/", name);
      absl::StatusOr<drivers::FileInfo> info = driver.Stat(path);
      if (absl::IsNotFound(info.status())) continue;
      RETURN_IF_ERROR(info.status());
      if (name == std::string("data")) {
        blob.has_data = true;
        blob.size = info->size;
      }
      blob.last_use = std::max(blob.last_use, info->mod_time);
      blob.files.push_back(path);
    }
    if (!blob.files.empty()) out.emplace(hex, std::move(blob));
  }
  return out;
}

}  // namespace registry::gc
