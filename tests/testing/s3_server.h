// A real S3 server for tests: Ceph's RADOS Gateway on loopback, started by
// the project's scripts/s3-server.sh with ports of its own, so several test
// binaries can each run one at once. Not thread-safe.
#ifndef REGISTRY_TESTS_TESTING_S3_SERVER_H_
#define REGISTRY_TESTS_TESTING_S3_SERVER_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace registry::testing {

class S3Server {
 public:
  // Starts the server with bucket `bucket` created (a few seconds).
  static absl::StatusOr<std::unique_ptr<S3Server>> Start(
      const std::string& bucket);
  // Stops every daemon and removes the server's files.
  ~S3Server();

  const std::string& endpoint() const { return endpoint_; }  // http://...
  const std::string& bucket() const { return bucket_; }
  const std::string& access_key() const { return access_key_; }
  const std::string& secret_key() const { return secret_key_; }

  // Driver parameters (Distribution's s3 keys) for this server's bucket
  // under `rootdirectory`, with small parts so tests cross part edges.
  std::map<std::string, std::string> DriverParams(
      const std::string& rootdirectory) const;

  // A storaged configuration file (Distribution's keys) on this server's
  // bucket under `rootdirectory`, with 5 MiB parts, and `extra` YAML (other
  // top-level sections) at the end; returns its path.
  std::string WriteStoragedConfig(const std::string& rootdirectory,
                                  bool redirect = true,
                                  const std::string& extra = "") const;

 private:
  S3Server() = default;

  std::string dir_;
  std::string endpoint_;
  std::string bucket_;
  std::string access_key_;
  std::string secret_key_;
  std::vector<std::string> env_;  // S3_* settings the script ran with.
};

// One server for the whole test binary, started on first use and stopped at
// exit. Aborts the binary when it cannot start.
S3Server& SharedS3Server();

}  // namespace registry::testing

#endif  // REGISTRY_TESTS_TESTING_S3_SERVER_H_
