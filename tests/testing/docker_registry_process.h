// Runs Debian's docker-registry (CNCF Distribution 2.8, the reference
// implementation) on a filesystem root for side-by-side tests.
#ifndef REGISTRY_TESTS_TESTING_DOCKER_REGISTRY_PROCESS_H_
#define REGISTRY_TESTS_TESTING_DOCKER_REGISTRY_PROCESS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "tests/testing/subprocess.h"

namespace registry::testing {

struct DockerRegistryProcess {
  std::unique_ptr<Subprocess> process;
  int port = 0;
};

// Starts /usr/bin/docker-registry serving `root` on a free loopback port
// (deletes enabled, log level error) and waits until /v2/ answers 200.
absl::StatusOr<DockerRegistryProcess> StartDockerRegistry(
    const std::string& root);

}  // namespace registry::testing

#endif  // REGISTRY_TESTS_TESTING_DOCKER_REGISTRY_PROCESS_H_
