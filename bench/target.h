// What the benchmark drives: a registry reached over HTTP (any registry) or
// storaged reached over gRPC. Each worker thread opens its own Session (its
// own connection). Sessions are not thread-safe; targets are.
#ifndef REGISTRY_BENCH_TARGET_H_
#define REGISTRY_BENCH_TARGET_H_

#include <grpcpp/security/credentials.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/optional.h"
#include "bench/blob_source.h"

namespace registry::bench {

class Session {
 public:
  virtual ~Session() = default;
  // Pushes `blob` in one request (POST ?digest= / Start+Write+Commit).
  virtual absl::Status PushMonolithic(const std::string& repo,
                                      const BlobSource& blob) = 0;
  // Pushes `blob` as PATCHes (Writes) of `chunk` bytes, then PUT (Commit).
  virtual absl::Status PushChunked(const std::string& repo,
                                   const BlobSource& blob, int64_t chunk) = 0;
  // Pulls `length` bytes at `offset` (length 0: the whole blob); returns
  // the byte count received.
  virtual absl::StatusOr<int64_t> Pull(const std::string& repo,
                                       const std::string& digest,
                                       int64_t offset, int64_t length) = 0;
  virtual absl::Status HeadBlob(const std::string& repo,
                                const std::string& digest) = 0;
  virtual absl::Status PutManifest(const std::string& repo,
                                   const std::string& reference,
                                   const std::string& content) = 0;
  virtual absl::StatusOr<int64_t> GetManifest(const std::string& repo,
                                              const std::string& reference) = 0;
  virtual absl::Status ListTags(const std::string& repo) = 0;
  virtual absl::Status Catalog() = 0;
};

class Target {
 public:
  virtual ~Target() = default;
  virtual std::unique_ptr<Session> NewSession() = 0;
};

// "http://host:port" for a registry, "grpc://host:port" for storaged (over
// `grpc_credentials`: plaintext when null).
absl::StatusOr<std::unique_ptr<Target>> NewTarget(
    const std::string& url,
    std::shared_ptr<grpc::ChannelCredentials> grpc_credentials = nullptr);

}  // namespace registry::bench

#endif  // REGISTRY_BENCH_TARGET_H_
