#include "storaged/sweep_fence.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "storaged/paths.h"

namespace registry {

absl::Status TouchBlob(drivers::StorageDriver& driver, const Digest& digest) {
  const std::string path = paths::BlobTouchedPath(digest);
  absl::Status touched = driver.PutContentVolatile(path, "");
  // A sweep may remove the blob's directory while the touch creates it.
  if (absl::IsNotFound(touched)) touched = driver.PutContentVolatile(path, "");
  return touched;
}

absl::StatusOr<bool> MarkedForSweep(drivers::StorageDriver& driver,
                                    const Digest& digest) {
  absl::StatusOr<std::string> mark =
      driver.GetContent(paths::SweepMarkPath(paths::SweepUnitOf(digest)));
  if (absl::IsNotFound(mark.status())) return false;
  RETURN_IF_ERROR(mark.status());
  return SweepMarkNames(*mark, digest.hex());
}

absl::Status TouchExclusively(drivers::StorageDriver& driver,
                              const Digest& digest, absl::Duration wait) {
  const std::string unit = paths::SweepUnitOf(digest);
  absl::StatusOr<drivers::PathLockPtr> lock =
      driver.Lock(paths::SweepLockPath(unit), wait);
  // No collection state at all: nothing is sweeping.
  if (absl::IsNotFound(lock.status())) return TouchBlob(driver, digest);
  RETURN_IF_ERROR(lock.status());
  // Sweeps remove their mark before they release the lock: one found here
  // is a dead collector's.
  absl::Status cleared = driver.Delete(paths::SweepMarkPath(unit));
  if (!cleared.ok() && !absl::IsNotFound(cleared)) return cleared;
  return TouchBlob(driver, digest);
}

std::string FormatSweepMark(const std::vector<std::string>& hexes) {
  return absl::StrCat(absl::StrJoin(hexes, "\n"), "\n");
}

bool SweepMarkNames(absl::string_view mark, absl::string_view hex) {
  for (absl::string_view line : absl::StrSplit(mark, '\n')) {
    if (line == hex) return true;
  }
  return false;
}

}  // namespace registry
