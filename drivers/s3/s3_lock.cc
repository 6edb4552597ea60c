#include "drivers/s3/s3_lock.h"

#include <openssl/rand.h>

#include <thread>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "drivers/lock_wait.h"

namespace registry::drivers::s3 {
namespace {

struct Lease {
  std::string token;
  absl::Time expiry;
};

std::string Encode(const Lease& lease) {
  return absl::StrCat(lease.token, " ", absl::ToUnixSeconds(lease.expiry));
}

// A lease that does not parse counts as expired (anyone may take it).
Lease Decode(absl::string_view text) {
  std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(text, absl::MaxSplits(' ', 1));
  int64_t seconds = 0;
  if (!absl::SimpleAtoi(parts.second, &seconds)) return {"", absl::UnixEpoch()};
  return {std::string(parts.first), absl::FromUnixSeconds(seconds)};
}

absl::StatusOr<std::string> NewToken() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    return absl::InternalError("s3: no randomness for a lock token");
  }
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<char*>(bytes), sizeof(bytes)));
}

// A held lease, renewed by a thread of its own every third of the lease
// until released, so a live holder keeps it through long operations.
class S3Lock final : public PathLock {
 public:
  S3Lock(ObjectStore& store, std::string key, std::string token,
         std::string etag, absl::Time expiry)
      : store_(store),
        key_(std::move(key)),
        token_(std::move(token)),
        etag_(std::move(etag)),
        expiry_(expiry),
        renewer_([this] { RenewUntilReleased(); }) {}

  // Stops renewing, then releases by writing an expired lease (if this
  // holder still has it).
  ~S3Lock() override {
    {
      absl::MutexLock lock(&mu_);
      released_ = true;
    }
    renewer_.join();
    absl::MutexLock lock(&mu_);
    if (lost_.ok()) {
      store_.PutIf(key_, Encode({token_, absl::UnixEpoch()}), etag_)
          .status()
          .IgnoreError();
    }
  }

  absl::Status Check() override {
    absl::MutexLock lock(&mu_);
    if (!lost_.ok()) return lost_;
    // The renewer is late (a stalled process): renew here, or learn that
    // another holder took over.
    if (expiry_ - absl::Now() < kLeaseTime * 2 / 3) return RenewLocked();
    return absl::OkStatus();
  }

 private:
  void RenewUntilReleased() {
    absl::MutexLock lock(&mu_);
    while (true) {
      auto released = [this]()
                          ABSL_SHARED_LOCKS_REQUIRED(mu_) { return released_; };
      if (mu_.AwaitWithTimeout(absl::Condition(&released), kLeaseTime / 3)) {
        return;
      }
      if (!lost_.ok()) return;
      RenewLocked().IgnoreError();  // Recorded in lost_ when lost for good.
    }
  }

  absl::Status RenewLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    absl::Time expiry = absl::Now() + kLeaseTime;
    absl::StatusOr<std::string> etag =
        store_.PutIf(key_, Encode({token_, expiry}), etag_);
    if (absl::IsFailedPrecondition(etag.status()) ||
        absl::IsNotFound(etag.status())) {
      lost_ = absl::AbortedError(
          absl::StrCat("s3: lock ", key_, " was taken over by another holder"));
      return lost_;
    }
    RETURN_IF_ERROR(etag.status());  // Unavailable: tried again later.
    etag_ = *std::move(etag);
    expiry_ = expiry;
    return absl::OkStatus();
  }

  ObjectStore& store_;
  const std::string key_;
  const std::string token_;
  absl::Mutex mu_;
  std::string etag_ ABSL_GUARDED_BY(mu_);
  absl::Time expiry_ ABSL_GUARDED_BY(mu_);
  absl::Status lost_ ABSL_GUARDED_BY(mu_);
  bool released_ ABSL_GUARDED_BY(mu_) = false;
  std::thread renewer_;  // Last: starts once the rest is initialized.
};

// Whether anything but `key` lies below `prefix`.
absl::StatusOr<bool> HasOtherObjects(ObjectStore& store,
                                     const std::string& prefix,
                                     const std::string& key) {
  bool other = false;
  RETURN_IF_ERROR(store.List(prefix, "", 2, [&](const ObjectListing& listing) {
    for (const ObjectEntry& object : listing.objects) {
      if (object.key != key) other = true;
    }
    return false;
  }));
  return other;
}

// One attempt to take the lease: the new ETag, or "" when it is held.
absl::StatusOr<std::string> TryTake(ObjectStore& store, const std::string& key,
                                    const Lease& mine) {
  absl::StatusOr<std::string> created = store.PutIf(key, Encode(mine), "");
  if (!absl::IsFailedPrecondition(created.status())) return created;
  ObjectInfo info;
  absl::StatusOr<std::string> text = store.GetWithInfo(key, &info);
  if (absl::IsNotFound(text.status())) return std::string();  // Try again.
  RETURN_IF_ERROR(text.status());
  Lease current = Decode(*text);
  // Our own lease: a retried create whose first try went through.
  if (current.token == mine.token) return info.etag;
  if (current.expiry > absl::Now()) return std::string();
  absl::StatusOr<std::string> taken = store.PutIf(key, Encode(mine), info.etag);
  if (absl::IsFailedPrecondition(taken.status())) return std::string();
  return taken;
}

}  // namespace

absl::StatusOr<PathLockPtr> LockObject(ObjectStore& store, std::string key,
                                       const std::string& dir_prefix,
                                       absl::string_view path,
                                       absl::Duration wait) {
  ASSIGN_OR_RETURN(std::string token, NewToken());
  LockWait waiting(wait);
  while (true) {
    Lease mine{token, absl::Now() + kLeaseTime};
    ASSIGN_OR_RETURN(std::string etag, TryTake(store, key, mine));
    if (!etag.empty()) {
      PathLockPtr lock(new S3Lock(store, key, token, etag, mine.expiry));
      ASSIGN_OR_RETURN(bool dir_exists,
                       HasOtherObjects(store, dir_prefix, key));
      if (dir_exists) return lock;
      // Removed while held; the release then finds nothing to update.
      RETURN_IF_ERROR(store.Delete(key));
      return absl::NotFoundError(
          absl::StrCat("s3: lock ", path, ": no such directory"));
    }
    if (!waiting.Next()) return waiting.Busy("s3", path);
  }
}

}  // namespace registry::drivers::s3
