#include "storaged/gc/collector.h"

#include <algorithm>
#include <atomic>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "storaged/gc/digest_set.h"
#include "storaged/gc/reachability.h"
#include "storaged/gc/store_listing.h"
#include "storaged/manifest_parser.h"
#include "storaged/paths.h"
#include "storaged/sweep_fence.h"
#include "storaged/tag_store.h"

namespace registry::gc {
namespace {

// How long a collection waits for a repository's tag lock or a unit's
// sweep lock before it leaves that part for the next run.
constexpr absl::Duration kLockWait = absl::Seconds(60);
constexpr int64_t kProgressRepositories = 100;
constexpr int kProgressUnits = 32;
// Repositories marked and units swept at once: the work waits on storage
// (a disk's queue, an object store's round trips), not on the CPU.
constexpr int kLocalThreads = 4;
constexpr int kRemoteThreads = 16;

std::string RandomId() {
  std::random_device random;
  return absl::StrFormat("%08x%08x", random(), random());
}

// Runs fn(0..n-1) on `threads` threads; the first error stops the rest and
// is returned. `done` is called (serially) with the count of finished items.
absl::Status ForEachParallel(size_t n, int threads,
                             const std::function<absl::Status(size_t)>& fn,
                             const std::function<void(size_t)>& done) {
  std::atomic<size_t> next{0};
  absl::Mutex mu;
  absl::Status first;
  size_t finished = 0;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (size_t i = next++; i < n; i = next++) {
        absl::Status status = fn(i);
        absl::MutexLock lock(&mu);
        if (!status.ok()) {
          first.Update(status);
          next = n;  // Nobody starts another item.
          return;
        }
        done(++finished);
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  return first;
}

// A repository's layer link, remembered for the sweep.
struct LayerLink {
  RawDigest digest;
  uint32_t repository;  // Index into the repository list.
};

class Collector {
 public:
  Collector(drivers::StorageDriver& driver, const Options& options)
      : driver_(driver), options_(options), started_(absl::Now()) {
    report_.dry_run = options.dry_run;
  }

  absl::StatusOr<Report> Run() {
    RETURN_IF_ERROR(ReadClock());
    absl::Status status = MarkAndSweep();
    if (!clock_path_.empty()) {
      absl::Status removed = driver_.Delete(clock_path_);
      if (status.ok() && !removed.ok() && !absl::IsNotFound(removed)) {
        status = removed;
      }
    }
    RETURN_IF_ERROR(status);
    report_.duration = absl::Now() - started_;
    return report_;
  }

 private:
  // The cutoff on the store's clock (the modification time of a file
  // written now), so replicas' clocks need not agree. A dry run writes
  // nothing and uses this process's clock.
  absl::Status ReadClock() {
    absl::Time now = absl::Now();
    if (!options_.dry_run) {
      clock_path_ = paths::GcClockPath(RandomId());
      RETURN_IF_ERROR(driver_.PutContentVolatile(clock_path_, ""));
      ASSIGN_OR_RETURN(drivers::FileInfo info, driver_.Stat(clock_path_));
      now = info.mod_time;
    }
    now_ = now;
    cutoff_ = now - options_.delay;
    return absl::OkStatus();
  }

  absl::Status MarkAndSweep() {
    ASSIGN_OR_RETURN(repositories_, ListRepositoryNames(driver_));
    const int threads =
        driver_.BatchedListing() ? kRemoteThreads : kLocalThreads;
    RETURN_IF_ERROR(ForEachParallel(
        repositories_.size(), threads,
        [&](size_t i) { return MarkRepository(static_cast<uint32_t>(i)); },
        [&](size_t done) {
          absl::MutexLock lock(&mu_);
          report_.repositories = static_cast<int64_t>(done);
          if (done % kProgressRepositories == 0) {
            Progress(absl::StrCat("marked ", done, " of ", repositories_.size(),
                                  " repositories; ", marked_.size(),
                                  " blobs reachable"));
          }
        }));
    // Only links to unmarked blobs can go; sorted for lookups by digest.
    links_.erase(std::remove_if(links_.begin(), links_.end(),
                                [&](const LayerLink& link) {
                                  return marked_.Contains(link.digest);
                                }),
                 links_.end());
    std::sort(links_.begin(), links_.end(),
              [](const LayerLink& a, const LayerLink& b) {
                return a.digest < b.digest;
              });
    Progress(absl::StrCat("marked ", repositories_.size(), " repositories; ",
                          marked_.size(), " blobs reachable; sweeping"));
    // From here the mark and the links are only read.
    ASSIGN_OR_RETURN(std::vector<std::string> units, ListUnits(driver_));
    return ForEachParallel(
        units.size(), threads, [&](size_t i) { return SweepUnit(units[i]); },
        [&](size_t done) {
          if (done % kProgressUnits != 0 && done != units.size()) return;
          absl::MutexLock lock(&mu_);
          Progress(absl::StrCat("swept ", done, " of ", units.size(),
                                " blob prefixes; ", report_.blobs_deleted,
                                " blobs (", report_.bytes_deleted, " bytes) ",
                                options_.dry_run ? "to delete" : "deleted"));
        });
  }

  // Adds `n` to a counter of the report.
  void Count(int64_t Report::*field, int64_t n = 1) {
    absl::MutexLock lock(&mu_);
    report_.*field += n;
  }

  void Progress(const std::string& line) {
    if (options_.progress) options_.progress(absl::StrCat("gc: ", line));
  }

  void Deleted(Deletion deletion) {
    absl::MutexLock lock(&mu_);
    if (options_.on_delete) options_.on_delete(deletion);
  }

  // Loads what the revisions in `links` refer to, skipping those already
  // in `revisions` (content under a digest never changes).
  absl::Status LoadRevisions(const RepositoryName& name,
                             const ManifestLinks& links,
                             std::map<Digest, Revision>* revisions) {
    for (const auto& [digest, mod_time] : links.revisions) {
      auto found = revisions->find(digest);
      if (found != revisions->end()) {
        found->second.mod_time = mod_time;
        continue;
      }
      Revision& revision = (*revisions)[digest];
      revision.mod_time = mod_time;
      absl::StatusOr<std::string> content =
          driver_.GetContent(paths::BlobDataPath(digest));
      if (absl::IsNotFound(content.status())) {
        // Nothing to keep for it: it cannot be served anyway.
        Log(LogLevel::kWarn, "gc", "manifest revision without content",
            {{"repository", name.str()}, {"digest", digest.ToString()}});
        continue;
      }
      RETURN_IF_ERROR(content.status());
      absl::StatusOr<ParsedManifest> parsed = ParseManifest(*content, "");
      if (!parsed.ok()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "manifest ", digest.ToString(), " in repository ", name.str(),
            " cannot be read (", parsed.status().message(),
            "); what it references is unknown, so no blob was collected"));
      }
      revision.blobs = std::move(parsed->blobs);
      revision.blobs.insert(revision.blobs.end(), parsed->foreign_blobs.begin(),
                            parsed->foreign_blobs.end());
      revision.children = std::move(parsed->manifests);
      revision.subject = parsed->subject;
    }
    return absl::OkStatus();
  }

  // The tags' current digests, read under the repository's lock.
  absl::StatusOr<std::map<std::string, Digest>> ReadTags(
      const RepositoryName& name, const ManifestLinks& links) {
    std::map<std::string, Digest> tags;
    for (const auto& [text, mod_time] : links.tags) {
      ASSIGN_OR_RETURN(Tag tag, Tag::Parse(text));
      absl::StatusOr<std::string> link =
          driver_.GetContent(paths::TagCurrentLinkPath(name, tag));
      if (absl::IsNotFound(link.status())) continue;
      RETURN_IF_ERROR(link.status());
      absl::StatusOr<Digest> digest = Digest::Parse(*link);
      if (digest.ok()) tags.emplace(text, *digest);
    }
    return tags;
  }

  absl::Status MarkRepository(uint32_t index) {
    const RepositoryName& name = repositories_[index];
    RepositoryManifests manifests;
    if (!driver_.BatchedListing()) {
      return MarkManifestsLocked(index, nullptr, &manifests);
    }
    // Object stores: the repository is listed and its manifests read
    // outside the lock; only _manifests is listed again under it, so
    // pushes to the repository wait for one listing.
    ASSIGN_OR_RETURN(RepositoryListing early, ListRepository(driver_, name));
    Remember(early.layers, index);
    RETURN_IF_ERROR(LoadRevisions(name, early.manifests, &manifests.revisions));
    if (early.manifests.empty()) return absl::OkStatus();
    return MarkManifestsLocked(index, &early.manifests, &manifests);
  }

  // Remembers the links to blobs not marked yet: the mark only grows, so a
  // link to a marked blob never goes (shared base layers, linked in every
  // repository, are mostly marked by the time most repositories are read).
  void Remember(const std::vector<RawDigest>& layers, uint32_t index) {
    absl::MutexLock lock(&mu_);
    for (const RawDigest& digest : layers) {
      if (!marked_.Contains(digest)) links_.push_back(LayerLink{digest, index});
    }
  }

  // Marks (and deletes) the repository's manifests under its tag lock,
  // listing the repository there unless `early` holds a listing; when the
  // lock stays busy, keeps every revision.
  absl::Status MarkManifestsLocked(uint32_t index, const ManifestLinks* early,
                                   RepositoryManifests* manifests) {
    const RepositoryName& name = repositories_[index];
    absl::StatusOr<drivers::PathLockPtr> lock =
        driver_.Lock(paths::ManifestsLockPath(name), kLockWait);
    if (!early &&
        (absl::IsNotFound(lock.status()) || absl::IsAborted(lock.status()))) {
      // No manifests (only layer links), or busy: listed without the lock.
      ASSIGN_OR_RETURN(RepositoryListing listing,
                       ListRepository(driver_, name));
      Remember(listing.layers, index);
      RETURN_IF_ERROR(
          LoadRevisions(name, listing.manifests, &manifests->revisions));
    }
    if (absl::IsNotFound(lock.status())) return absl::OkStatus();
    if (absl::IsAborted(lock.status())) {
      Log(LogLevel::kWarn, "gc",
          "repository busy; its manifests are all kept this time",
          {{"repository", name.str()}});
      for (const auto& [digest, revision] : manifests->revisions) {
        Keep(digest, revision);
      }
      Count(&Report::manifests_kept, manifests->revisions.size());
      return absl::OkStatus();
    }
    RETURN_IF_ERROR(lock.status());
    ManifestLinks links;
    if (early) {
      ASSIGN_OR_RETURN(links, ListManifestLinks(driver_, name));
    } else {
      ASSIGN_OR_RETURN(RepositoryListing listing,
                       ListRepository(driver_, name));
      Remember(listing.layers, index);
      links = std::move(listing.manifests);
    }
    // Revisions gone since the first listing are gone for good.
    for (auto it = manifests->revisions.begin();
         it != manifests->revisions.end();) {
      it = links.revisions.count(it->first) ? std::next(it)
                                            : manifests->revisions.erase(it);
    }
    RETURN_IF_ERROR(LoadRevisions(name, links, &manifests->revisions));
    ASSIGN_OR_RETURN(manifests->tags, ReadTags(name, links));
    MarkRules rules;
    rules.delete_untagged = options_.delete_untagged;
    rules.cutoff = cutoff_;
    if (const RetentionPolicy* policy =
            PolicyFor(options_.retention, name.str())) {
      rules.delete_untagged =
          policy->delete_untagged.value_or(options_.delete_untagged);
      rules.delete_referrers = policy->delete_referrers;
      RETURN_IF_ERROR(ApplyRetention(name, *policy, links, **lock, manifests));
    }
    RepositoryMark mark = gc::MarkRepository(*manifests, rules);
    for (const Digest& digest : mark.kept) {
      auto revision = manifests->revisions.find(digest);
      if (revision == manifests->revisions.end()) {
        // A tag or child whose revision is gone.
        absl::MutexLock lock(&mu_);
        marked_.Insert(digest);
        continue;
      }
      Keep(digest, revision->second);
      Count(&Report::manifests_kept);
    }
    for (const Digest& digest : mark.deleted) {
      RETURN_IF_ERROR(DeleteRevision(
          name, digest, manifests->revisions.at(digest), links, **lock));
    }
    return absl::OkStatus();
  }

  // Deletes the tags `policy` does not keep (from `manifests` too).
  absl::Status ApplyRetention(const RepositoryName& name,
                              const RetentionPolicy& policy,
                              const ManifestLinks& links,
                              drivers::PathLock& lock,
                              RepositoryManifests* manifests) {
    std::map<std::string, absl::Time> pushed;
    for (const auto& [tag, digest] : manifests->tags) {
      pushed[tag] = links.tags.at(tag);
    }
    TagStore tags(&driver_);
    for (const std::string& text : TagsToDelete(policy, pushed, now_)) {
      manifests->tags.erase(text);
      Count(&Report::tags_deleted);
      Deleted({"tag", absl::StrCat(name.str(), ":", text), 0});
      if (options_.dry_run) continue;
      RETURN_IF_ERROR(lock.Check());
      ASSIGN_OR_RETURN(Tag tag, Tag::Parse(text));
      absl::Status removed = tags.Delete(name, tag);
      if (!removed.ok() && !absl::IsNotFound(removed)) return removed;
    }
    return absl::OkStatus();
  }

  void Keep(const Digest& digest, const Revision& revision) {
    absl::MutexLock lock(&mu_);
    marked_.Insert(digest);
    for (const Digest& blob : revision.blobs) marked_.Insert(blob);
    for (const Digest& child : revision.children) marked_.Insert(child);
  }

  absl::Status DeleteRevision(const RepositoryName& name, const Digest& digest,
                              const Revision& revision,
                              const ManifestLinks& links,
                              drivers::PathLock& lock) {
    Count(&Report::manifests_deleted);
    Deleted({"manifest", absl::StrCat(name.str(), "@", digest.ToString()), 0});
    if (options_.dry_run) return absl::OkStatus();
    RETURN_IF_ERROR(lock.Check());
    // The revision link last: until it goes, the manifest is whole.
    std::vector<std::string> files;
    for (const auto& [entry, path] : links.history) {
      if (entry == digest) files.push_back(path);
    }
    if (revision.subject.has_value()) {
      files.push_back(paths::ReferrerLinkPath(name, *revision.subject, digest));
    }
    RETURN_IF_ERROR(driver_.DeleteFiles(files));
    return driver_.DeleteFiles({paths::ManifestRevisionLinkPath(name, digest)});
  }

  // The repository links to the blob `hex`.
  std::vector<std::string> LinksTo(const RawDigest& raw, const Digest& digest) {
    std::vector<std::string> out;
    auto first =
        std::lower_bound(links_.begin(), links_.end(), raw,
                         [](const LayerLink& link, const RawDigest& d) {
                           return link.digest < d;
                         });
    for (auto it = first; it != links_.end() && it->digest == raw; ++it) {
      out.push_back(
          paths::LayerLinkPath(repositories_[it->repository], digest));
    }
    return out;
  }

  // Unmarked blobs of the unit whose last use is before the cutoff.
  std::vector<StoredBlob> Candidates(std::map<std::string, StoredBlob> blobs,
                                     bool count) {
    std::vector<StoredBlob> out;
    for (auto& [hex, blob] : blobs) {
      RawDigest raw;
      if (!RawOfHex(hex, &raw)) continue;
      if (marked_.Contains(raw)) {
        if (count && blob.has_data) Count(&Report::blobs_kept);
        continue;
      }
      if (blob.last_use >= cutoff_) {
        if (count && blob.has_data) {
          Count(&Report::blobs_kept);
          Count(&Report::blobs_young);
        }
        continue;
      }
      out.push_back(std::move(blob));
    }
    return out;
  }

  absl::Status SweepUnit(const std::string& unit) {
    ASSIGN_OR_RETURN(auto listed, ListUnit(driver_, unit));
    std::vector<StoredBlob> candidates =
        Candidates(std::move(listed), /*count=*/true);
    if (candidates.empty()) return absl::OkStatus();
    if (options_.dry_run) return DeleteBlobs(candidates);
    absl::StatusOr<drivers::PathLockPtr> lock =
        driver_.Lock(paths::SweepLockPath(unit), kLockWait);
    if (absl::IsAborted(lock.status())) {
      Log(LogLevel::kWarn, "gc", "blob prefix busy with another collection",
          {{"prefix", unit}});
      Count(&Report::units_skipped);
      Count(&Report::blobs_kept, candidates.size());
      return absl::OkStatus();
    }
    RETURN_IF_ERROR(lock.status());
    // The fence: the mark first, then the claims are read again.
    std::vector<std::string> hexes;
    for (const StoredBlob& blob : candidates) hexes.push_back(blob.hex);
    const std::string mark = paths::SweepMarkPath(unit);
    RETURN_IF_ERROR(driver_.PutContentVolatile(mark, FormatSweepMark(hexes)));
    if (options_.after_mark) options_.after_mark(unit);
    ASSIGN_OR_RETURN(auto fresh, ListUnitBlobs(driver_, unit, hexes));
    // Candidates gone meanwhile count nowhere; those used meanwhile stay.
    const size_t present = fresh.size();
    std::vector<StoredBlob> doomed = Candidates(std::move(fresh), false);
    Count(&Report::blobs_kept, present - doomed.size());
    Count(&Report::blobs_young, present - doomed.size());
    RETURN_IF_ERROR((*lock)->Check());
    RETURN_IF_ERROR(DeleteBlobs(doomed));
    absl::Status cleared = driver_.Delete(mark);
    return absl::IsNotFound(cleared) ? absl::OkStatus() : cleared;
  }

  // Deletes the blobs' links, then their files (or, dry, reports them).
  absl::Status DeleteBlobs(const std::vector<StoredBlob>& blobs) {
    std::vector<std::string> links;
    std::vector<std::string> files;
    for (const StoredBlob& blob : blobs) {
      ASSIGN_OR_RETURN(Digest digest, Digest::Parse("sha256:" + blob.hex));
      std::vector<std::string> to = LinksTo(RawOf(digest), digest);
      Count(&Report::links_deleted, to.size());
      links.insert(links.end(), to.begin(), to.end());
      files.insert(files.end(), blob.files.begin(), blob.files.end());
      if (!blob.has_data) continue;
      Count(&Report::blobs_deleted);
      Count(&Report::bytes_deleted, blob.size);
      Deleted({"blob", digest.ToString(), blob.size});
    }
    if (options_.dry_run) return absl::OkStatus();
    RETURN_IF_ERROR(driver_.DeleteFiles(links));
    return driver_.DeleteFiles(files);
  }

  drivers::StorageDriver& driver_;
  const Options options_;
  const absl::Time started_;
  absl::Time now_;
  absl::Time cutoff_;
  std::string clock_path_;
  std::vector<RepositoryName> repositories_;
  // Written by the mark's threads under mu_; only read by the sweep's.
  absl::Mutex mu_;
  DigestSet marked_;
  std::vector<LayerLink> links_;
  Report report_;
};

}  // namespace

std::string Report::Summary() const {
  const char* verb = dry_run ? "to delete" : "deleted";
  return absl::StrCat(
      dry_run ? "dry run: " : "", repositories,
      " repositories; manifests: ", manifests_kept, " kept, ",
      manifests_deleted, " ", verb, "; blobs: ", blobs_kept, " kept (",
      blobs_young, " unreachable but young), ", blobs_deleted, " ", verb, " (",
      bytes_deleted, " bytes), ", links_deleted, " links; ",
      units_skipped > 0
          ? absl::StrCat(units_skipped, " prefixes left to the next run; ")
          : "",
      absl::FormatDuration(absl::Trunc(duration, absl::Milliseconds(1))));
}

absl::StatusOr<Report> Collect(drivers::StorageDriver& driver,
                               const Options& options) {
  return Collector(driver, options).Run();
}

}  // namespace registry::gc
