#include "tests/testing/docker_registry_process.h"

#include <httplib.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace registry::testing {

absl::StatusOr<DockerRegistryProcess> StartDockerRegistry(
    const std::string& root) {
  DockerRegistryProcess result;
  result.port = FreePort();
  std::string dir = NewTempDir("docker-registry");
  std::string config = dir + "/config.yml";
  std::ofstream(config) << "version: 0.1\n"
                        << "log:\n  level: error\n  accesslog:\n"
                        << "    disabled: true\n"
                        << "storage:\n  filesystem:\n    rootdirectory: "
                        << root << "\n  delete:\n    enabled: true\n"
                        << "http:\n  addr: 127.0.0.1:" << result.port << "\n";
  auto process = Subprocess::Start(
      {"/usr/bin/docker-registry", "serve", config}, dir + "/registry.log");
  if (!process.ok()) return process.status();
  result.process = *std::move(process);
  httplib::Client client("127.0.0.1", result.port);
  absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline) {
    auto response = client.Get("/v2/");
    if (response && response->status == 200) return result;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("docker-registry did not answer; log in ", dir));
}

}  // namespace registry::testing
