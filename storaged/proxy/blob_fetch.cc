#include "storaged/proxy/blob_fetch.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/sha256.h"
#include "common/status_macros.h"

namespace registry::proxy {
namespace {

// Bytes gathered (from the upstream's small reads) before they go to the
// spool and the upload: few wake-ups and writes, little delay.
constexpr size_t kBatch = 256 << 10;

}  // namespace

// Follows a fetch from an offset.
class SpoolReader : public drivers::FileReader {
 public:
  SpoolReader(std::shared_ptr<BlobFetch> fetch, int64_t offset)
      : fetch_(std::move(fetch)), offset_(offset) {}
  absl::StatusOr<size_t> Read(char* buf, size_t n) override {
    ASSIGN_OR_RETURN(size_t got, fetch_->ReadAt(offset_, buf, n));
    offset_ += static_cast<int64_t>(got);
    return got;
  }

 private:
  std::shared_ptr<BlobFetch> fetch_;
  int64_t offset_;
};

BlobFetch::~BlobFetch() { close(spool_fd_); }

absl::StatusOr<int64_t> BlobFetch::WaitForSize() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](BlobFetch* f) ABSL_EXCLUSIVE_LOCKS_REQUIRED(f->mu_) {
        return f->ended_ || f->size_ >= 0;
      },
      this));
  if (size_ >= 0) return size_;
  RETURN_IF_ERROR(status_);
  return received_;
}

absl::Status BlobFetch::Wait() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(&ended_));
  return status_;
}

drivers::FileReaderPtr BlobFetch::Reader(int64_t offset) {
  return std::make_unique<SpoolReader>(shared_from_this(), offset);
}

absl::StatusOr<size_t> BlobFetch::ReadAt(int64_t offset, char* buf, size_t n) {
  int64_t end;
  {
    absl::MutexLock lock(&mu_);
    std::pair<BlobFetch*, int64_t> args{this, offset};
    mu_.Await(absl::Condition(
        +[](std::pair<BlobFetch*, int64_t>* a) ABSL_NO_THREAD_SAFETY_ANALYSIS {
          return a->first->ended_ || a->first->verified_ ||
                 a->second < a->first->Readable();
        },
        &args));
    end = Readable();
    if (offset >= end) {
      if (!verified_) RETURN_IF_ERROR(status_);
      return 0;  // The end.
    }
  }
  size_t want = static_cast<size_t>(std::min<int64_t>(n, end - offset));
  ssize_t got = pread(spool_fd_, buf, want, offset);
  if (got < 0) {
    return absl::InternalError(
        absl::StrCat("reading the spool of a fetched blob: ", strerror(errno)));
  }
  return static_cast<size_t>(got);
}

absl::Status BlobFetch::Append(const char* data, size_t n) {
  int64_t at;
  {
    absl::MutexLock lock(&mu_);
    at = received_;
  }
  size_t done = 0;
  while (done < n) {
    ssize_t wrote = pwrite(spool_fd_, data + done, n - done, at + done);
    if (wrote < 0) {
      if (errno == EINTR) continue;
      return absl::UnavailableError(
          absl::StrCat("spooling a fetched blob failed: ", strerror(errno)));
    }
    done += static_cast<size_t>(wrote);
  }
  absl::MutexLock lock(&mu_);
  received_ += static_cast<int64_t>(n);
  return absl::OkStatus();
}

void BlobFetch::SetSize(int64_t size) {
  absl::MutexLock lock(&mu_);
  size_ = size;
}

void BlobFetch::Verified() {
  absl::MutexLock lock(&mu_);
  verified_ = true;
}

void BlobFetch::End(absl::Status status) {
  absl::MutexLock lock(&mu_);
  if (status.ok() && size_ < 0) size_ = received_;
  status_ = std::move(status);
  ended_ = true;
}

BlobFetcher::~BlobFetcher() {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
  mu_.Await(absl::Condition(
      +[](int* threads) { return *threads == 0; }, &threads_));
}

int BlobFetcher::Running() {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(running_.size());
}

absl::StatusOr<std::shared_ptr<BlobFetch>> BlobFetcher::Fetch(
    const RepositoryName& name, const Digest& digest, BlobSource source) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError("storaged is stopping");
  const std::pair<std::string, Digest> key{name.str(), digest};
  auto it = running_.find(key);
  if (it != running_.end()) return it->second;
  std::string pattern = spool_dir_ + "/registry-fetch-XXXXXX";
  int fd = mkstemp(pattern.data());
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot make a spool file in ", spool_dir_, ": ", strerror(errno)));
  }
  unlink(pattern.c_str());  // Gone with the last reader, or a crash.
  std::shared_ptr<BlobFetch> fetch(new BlobFetch(fd));
  running_[key] = fetch;
  ++threads_;
  std::thread([this, name, digest, source = std::move(source), fetch] {
    Run(name, digest, source, fetch);
  }).detach();
  return fetch;
}

void BlobFetcher::Run(RepositoryName name, Digest digest, BlobSource source,
                      std::shared_ptr<BlobFetch> fetch) {
  const absl::Time start = absl::Now();
  absl::Status stored = Store(name, digest, source, *fetch);
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (stored.ok()) {
    Log(LogLevel::kInfo, "proxy", "fetched a blob from the upstream",
        {{"repository", name.str()},
         {"digest", digest.ToString()},
         {"seconds", seconds}});
  } else {
    Log(LogLevel::kWarn, "proxy", "fetch of a blob failed; nothing stored",
        {{"repository", name.str()},
         {"digest", digest.ToString()},
         {"seconds", seconds},
         {"error", stored.message()}});
  }
  absl::MutexLock lock(&mu_);
  // Out of the map before readers learn the end: a request that misses
  // from now on finds the blob stored (or starts again after a failure).
  running_.erase({name.str(), digest});
  fetch->End(std::move(stored));
  --threads_;
}

absl::Status BlobFetcher::Receive(const Digest& digest,
                                  const BlobSource& source, BlobFetch& fetch) {
  Sha256Hasher hasher;
  int64_t announced = -1;
  int64_t received = 0;
  std::string batch;
  // Hands what arrived to readers.
  auto flush = [&]() -> absl::Status {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return absl::UnavailableError("storaged is stopping");
    }
    RETURN_IF_ERROR(fetch.Append(batch.data(), batch.size()));
    hasher.Update(batch);
    received += static_cast<int64_t>(batch.size());
    batch.clear();
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(source(
      [&](int64_t size) {
        announced = size;
        fetch.SetSize(size);
      },
      [&](const char* data, size_t n) -> absl::Status {
        batch.append(data, n);
        return batch.size() >= kBatch ? flush() : absl::OkStatus();
      }));
  RETURN_IF_ERROR(flush());
  if (announced >= 0 && received != announced) {
    return Error(absl::StatusCode::kUnavailable, v1::UPSTREAM_UNAVAILABLE,
                 absl::StrCat("upstream sent ", received, " of the ", announced,
                              " bytes of blob ", digest.ToString(),
                              "; nothing was stored"),
                 digest.ToString());
  }
  if (hasher.Finish() != digest) {
    return Error(absl::StatusCode::kUnavailable, v1::UPSTREAM_UNAVAILABLE,
                 absl::StrCat("upstream sent content that does not hash to ",
                              digest.ToString(), "; nothing was stored"),
                 digest.ToString());
  }
  return absl::OkStatus();
}

absl::Status BlobFetcher::Store(const RepositoryName& name,
                                const Digest& digest, const BlobSource& source,
                                BlobFetch& fetch) {
  RETURN_IF_ERROR(Receive(digest, source, fetch));
  fetch.Verified();  // Readers have it all; the store's copy comes next.
  ASSIGN_OR_RETURN(UploadState upload, uploads_->Start(name));
  absl::Status stored = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(std::unique_ptr<UploadWriter> writer,
                     uploads_->OpenWriter(name, upload.id, 0));
    std::string chunk(kBatch * 4, '\0');
    for (int64_t offset = 0;;) {
      ASSIGN_OR_RETURN(size_t n,
                       fetch.ReadAt(offset, chunk.data(), chunk.size()));
      if (n == 0) break;
      RETURN_IF_ERROR(writer->Append(absl::string_view(chunk.data(), n)));
      offset += static_cast<int64_t>(n);
    }
    const int64_t size = writer->offset();
    RETURN_IF_ERROR(writer->Finish());
    writer.reset();  // Commit takes the upload's lock.
    // Verified again as any upload is, from the upload's own hash.
    RETURN_IF_ERROR(
        uploads_->Commit(name, upload.id, digest, size, "", absl::nullopt)
            .status());
    // The committed upload's record is not needed: a retried commit never
    // comes for it.
    uploads_->Forget(name, upload.id).IgnoreError();
    return absl::OkStatus();
  }();
  if (!stored.ok()) uploads_->Cancel(name, upload.id).IgnoreError();
  return stored;
}

}  // namespace registry::proxy
