// The scrub: re-hashes every blob in the store and checks every link,
// reporting (and with `repair`, fixing) what the registry must never serve:
//   - blobs whose bytes do not hash to their digest: quarantined under
//     /docker/registry/v2/quarantine/sha256/<hex>/<unix-nanos> (moved aside,
//     never deleted), so they are no longer served;
//   - layer, manifest revision and referrer links to blobs that are not
//     stored (or were just quarantined): removed;
//   - tags without a current link, or whose current link names a manifest
//     the repository lacks: removed;
//   - uploads that lost their data (hash states but no data, no commit):
//     removed.
// Safe beside running storaged processes: links and directories younger
// than `grace` are not judged (a commit writes its link while it moves the
// data), and a bad blob is moved aside before it is hashed again, so one
// that a push replaced with verified bytes meanwhile is put back.
// Thread-compatible.
#ifndef REGISTRY_STORAGED_SCRUB_H_
#define REGISTRY_STORAGED_SCRUB_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "drivers/driver.h"

namespace registry {

struct ScrubOptions {
  bool repair = false;
  absl::Duration grace = absl::Minutes(10);
  // Called with a progress line now and then (every 1000 blobs or 256 MiB).
  std::function<void(const std::string&)> progress;
};

// One problem found, e.g. {"bad blob", "sha256:...", "holds 12 bytes that
// hash to sha256:..."}.
struct ScrubFinding {
  std::string kind;
  std::string subject;  // A digest, or "<repository>:<tag>", or a path.
  std::string detail;
  bool repaired = false;
};

struct ScrubReport {
  int64_t blobs = 0;
  int64_t bytes = 0;
  int64_t links = 0;
  int64_t tags = 0;
  int64_t skipped_young = 0;  // Not judged: younger than the grace period.
  std::vector<ScrubFinding> findings;
  absl::Duration duration;

  // Findings not repaired.
  int64_t Unrepaired() const;
  // "N blobs (B bytes) ..., K problems (R repaired)".
  std::string Summary() const;
};

// Scrubs the store behind `driver`.
absl::StatusOr<ScrubReport> Scrub(drivers::StorageDriver& driver,
                                  const ScrubOptions& options);

}  // namespace registry

#endif  // REGISTRY_STORAGED_SCRUB_H_
