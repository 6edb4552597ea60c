// Runs Debian's docker-registry (CNCF Distribution 2.8, the reference
// implementation) on a filesystem root for side-by-side tests, and as an
// upstream for the pull-through cache's (with htpasswd and TLS).
#ifndef REGISTRY_TESTS_TESTING_DOCKER_REGISTRY_PROCESS_H_
#define REGISTRY_TESTS_TESTING_DOCKER_REGISTRY_PROCESS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "tests/testing/subprocess.h"

namespace registry::testing {

struct DockerRegistryOptions {
  std::string htpasswd;  // An htpasswd file: Basic authentication.
  std::string tls_cert;  // PEM certificate and key: https.
  std::string tls_key;
  bool access_log = false;  // Requests logged to the process's log.
  // Events POSTed here (with references), when set.
  std::string notifications_url;
};

struct DockerRegistryProcess {
  std::unique_ptr<Subprocess> process;
  int port = 0;
  std::string url;  // "http[s]://127.0.0.1:<port>".
};

// Starts /usr/bin/docker-registry serving `root` on a free loopback port
// (deletes enabled, log level error) and waits until /v2/ answers.
absl::StatusOr<DockerRegistryProcess> StartDockerRegistry(
    const std::string& root, const DockerRegistryOptions& options = {});

// An htpasswd line with a bcrypt hash (cost 5: quick for tests).
std::string HtpasswdLine(const std::string& user, const std::string& password);

}  // namespace registry::testing

#endif  // REGISTRY_TESTS_TESTING_DOCKER_REGISTRY_PROCESS_H_
