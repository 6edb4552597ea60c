// A DNS server on loopback for tests of dns:/// targets: Debian's dnsmasq,
// answering only from a hosts file the test rewrites (re-read on SIGHUP),
// with a TTL of zero so that every lookup sees the current file.
#ifndef REGISTRY_TESTS_TESTING_DNS_SERVER_H_
#define REGISTRY_TESTS_TESTING_DNS_SERVER_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/testing/subprocess.h"

namespace registry::testing {

class DnsServer {
 public:
  // Starts dnsmasq on 127.0.0.1 at a free port, answering nothing yet.
  static absl::StatusOr<std::unique_ptr<DnsServer>> Start();

  // From now on `name` resolves to `addresses` (IPv4; none: unknown).
  absl::Status SetHosts(const std::string& name,
                        const std::vector<std::string>& addresses);

  int port() const { return port_; }
  // "dns://127.0.0.1:<port>/<name>:<service_port>", a gRPC target.
  std::string Target(const std::string& name, int service_port) const;

 private:
  DnsServer(std::unique_ptr<Subprocess> process, std::string hosts_path,
            int port)
      : process_(std::move(process)),
        hosts_path_(std::move(hosts_path)),
        port_(port) {}

  std::unique_ptr<Subprocess> process_;
  const std::string hosts_path_;
  const int port_;
  std::map<std::string, std::vector<std::string>> hosts_;
};

}  // namespace registry::testing

#endif  // REGISTRY_TESTS_TESTING_DNS_SERVER_H_
