// Starts the real storaged binary for a test and connects to it.
#ifndef REGISTRY_TESTS_TESTING_STORAGED_PROCESS_H_
#define REGISTRY_TESTS_TESTING_STORAGED_PROCESS_H_

#include <grpcpp/channel.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/testing/subprocess.h"

namespace registry::testing {

struct StoragedProcess {
  std::unique_ptr<Subprocess> process;
  int port = 0;
  std::string address;  // "<host>:<port>" (127.0.0.1 unless --listen says)
  std::shared_ptr<grpc::Channel> channel;
};

// Starts //storaged:storaged on the filesystem driver at `root` on a free
// loopback port (or where a --listen in `extra_flags` says), with
// `extra_flags`, and waits until it listens.
absl::StatusOr<StoragedProcess> StartStoraged(
    const std::string& root, const std::vector<std::string>& extra_flags = {});

}  // namespace registry::testing

#endif  // REGISTRY_TESTS_TESTING_STORAGED_PROCESS_H_
