#include "storaged/upload_purger.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"

namespace registry {

UploadPurger::UploadPurger(UploadStore* uploads, PurgeOptions options)
    : uploads_(uploads), options_(options) {
  if (options_.enabled) thread_ = std::thread([this] { Run(); });
}

UploadPurger::~UploadPurger() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void UploadPurger::Run() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.interval);
      if (stopping_) return;
    }
    absl::StatusOr<int> purged =
        uploads_->PurgeOlderThan(absl::Now() - options_.age, options_.dry_run);
    if (!purged.ok()) {
      Log(LogLevel::kWarn, "purger",
          absl::StrCat("purging uploads failed: ", purged.status().ToString()));
    } else if (*purged > 0) {
      Log(LogLevel::kInfo, "purger",
          absl::StrCat(options_.dry_run ? "dry run: would purge " : "purged ",
                       *purged, " uploads older than ",
                       absl::FormatDuration(options_.age)));
    }
  }
}

}  // namespace registry
