// Starts the real gateway binary for a test.
#ifndef REGISTRY_TESTS_TESTING_GATEWAY_PROCESS_H_
#define REGISTRY_TESTS_TESTING_GATEWAY_PROCESS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/testing/storaged_process.h"
#include "tests/testing/subprocess.h"

namespace registry::testing {

struct GatewayProcess {
  std::unique_ptr<Subprocess> process;
  int port = 0;
  std::string host;  // "127.0.0.1:<port>", as clients name the registry.
};

// Starts //gateway:gateway on a free loopback port in front of
// `storaged_target` and waits until it listens.
absl::StatusOr<GatewayProcess> StartGateway(
    const std::string& storaged_target,
    const std::vector<std::string>& extra_flags = {});

// storaged on `root` and a gateway in front of it.
struct Registry {
  StoragedProcess storaged;
  GatewayProcess gateway;
};
absl::StatusOr<Registry> StartRegistry(const std::string& root);

}  // namespace registry::testing

#endif  // REGISTRY_TESTS_TESTING_GATEWAY_PROCESS_H_
