// Garbage collection: one mark-and-sweep pass over a store, safe while
// storaged processes serve it and while other collections run
// (docs/ARCHITECTURE.md, "Garbage collection").
//
// 1. Each repository, under its tag lock: its manifests are marked
//    (reachability.h); unreachable revisions are deleted with their tag
//    history and referrer links; every blob a kept manifest names (and the
//    manifest's own) joins the mark. Its layer links are remembered.
// 2. Each sweep unit (blobs whose hex starts with the same two digits):
//    blobs neither marked nor young (data or last claim at or after the
//    cutoff, the store's clock at the start less `delay`) are deleted with
//    every repository link to them, behind the unit's sweep fence
//    (sweep_fence.h), so that a blob claimed meanwhile stays.
// Uploads are left to upload purging. Thread-compatible.
#ifndef REGISTRY_STORAGED_GC_COLLECTOR_H_
#define REGISTRY_STORAGED_GC_COLLECTOR_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "drivers/driver.h"
#include "storaged/gc/retention.h"

namespace registry::gc {

// Something a collection deletes (or, dry, would delete).
struct Deletion {
  std::string kind;     // "tag", "manifest" or "blob".
  std::string subject;  // "<repository>:<tag>", "<repository>@<digest>",
                        // or the blob's digest.
  int64_t size = 0;     // Bytes of a blob's data.
};

struct Options {
  absl::Duration delay = absl::Hours(1);
  bool delete_untagged = false;
  bool dry_run = false;
  // Retention: the first policy matching a repository chooses its tags to
  // delete, and overrides delete_untagged when it sets it.
  std::vector<RetentionPolicy> retention;
  // Called for each deletion, and with a progress line now and then.
  std::function<void(const Deletion&)> on_delete;
  std::function<void(const std::string&)> progress;
  // For tests: called in a unit's sweep once its mark is written, before
  // the claims are read again.
  std::function<void(const std::string& unit)> after_mark;
};

struct Report {
  bool dry_run = false;
  int64_t repositories = 0;
  int64_t manifests_kept = 0;
  int64_t manifests_deleted = 0;
  int64_t tags_deleted = 0;
  int64_t blobs_kept = 0;
  int64_t blobs_young = 0;  // Of blobs_kept: unreachable but young.
  int64_t blobs_deleted = 0;
  int64_t bytes_deleted = 0;
  int64_t links_deleted = 0;
  int64_t units_skipped = 0;  // Busy with another collection.
  absl::Duration duration;

  // "manifests: K kept, D deleted; blobs: ...; 1.2s".
  std::string Summary() const;
};

// Collects the store behind `driver`.
absl::StatusOr<Report> Collect(drivers::StorageDriver& driver,
                               const Options& options);

}  // namespace registry::gc

#endif  // REGISTRY_STORAGED_GC_COLLECTOR_H_
