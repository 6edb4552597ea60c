#include "tests/testing/docker_registry_process.h"

#include <crypt.h>
#include <httplib.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace registry::testing {

absl::StatusOr<DockerRegistryProcess> StartDockerRegistry(
    const std::string& root, const DockerRegistryOptions& options) {
  DockerRegistryProcess result;
  result.port = FreePort();
  const bool tls = !options.tls_cert.empty();
  result.url =
      absl::StrCat(tls ? "https" : "http", "://127.0.0.1:", result.port);
  std::string dir = NewTempDir("docker-registry");
  std::string config = dir + "/config.yml";
  std::ofstream out(config);
  out << "version: 0.1\n"
      << "log:\n  level: error\n  accesslog:\n"
      << "    disabled: " << (options.access_log ? "false" : "true") << "\n"
      << "storage:\n  filesystem:\n    rootdirectory: " << root
      << "\n  delete:\n    enabled: true\n"
      << "http:\n  addr: 127.0.0.1:" << result.port << "\n";
  if (tls) {
    out << "  tls:\n    certificate: " << options.tls_cert
        << "\n    key: " << options.tls_key << "\n";
  }
  if (!options.notifications_url.empty()) {
    out << "notifications:\n  events:\n    includereferences: true\n"
        << "  endpoints:\n    - name: test\n      url: "
        << options.notifications_url
        << "\n      timeout: 1s\n      threshold: 5\n      backoff: 1s\n";
  }
  if (!options.htpasswd.empty()) {
    out << "auth:\n  htpasswd:\n    realm: upstream\n    path: "
        << options.htpasswd << "\n";
  }
  out.close();
  auto process = Subprocess::Start(
      {"/usr/bin/docker-registry", "serve", config}, dir + "/registry.log");
  if (!process.ok()) return process.status();
  result.process = *std::move(process);
  httplib::Client client(result.url);
  client.enable_server_certificate_verification(false);
  absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline) {
    auto response = client.Get("/v2/");
    if (response && (response->status == 200 || response->status == 401)) {
      return result;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("docker-registry did not answer; log in ", dir));
}

std::string HtpasswdLine(const std::string& user, const std::string& password) {
  crypt_data data{};
  const char* hash =
      crypt_r(password.c_str(), "$2y$05$abcdefghijklmnopqrstuu", &data);
  return absl::StrCat(user, ":", hash, "\n");
}

}  // namespace registry::testing
