#include "tests/testing/dns_server.h"

#include <signal.h>

#include <fstream>

#include "absl/strings/str_cat.h"

namespace registry::testing {

absl::StatusOr<std::unique_ptr<DnsServer>> DnsServer::Start() {
  const std::string dir = NewTempDir("dns");
  const std::string hosts = dir + "/hosts";
  std::ofstream(hosts).flush();
  absl::Status last = absl::OkStatus();
  // A port found free may be taken before dnsmasq binds it: try another.
  for (int attempt = 0; attempt < 5; ++attempt) {
    const int port = FreePort();
    auto process = Subprocess::Start(
        {"/usr/sbin/dnsmasq", "--keep-in-foreground", "--log-facility=-",
         "--no-resolv", "--no-hosts", "--addn-hosts=" + hosts,
         "--listen-address=127.0.0.1", "--bind-interfaces",
         absl::StrCat("--port=", port), "--user=root",
         "--pid-file=", "--local-ttl=0", "--cache-size=0"},
        absl::StrCat(dir, "/dnsmasq-", attempt, ".log"));
    if (!process.ok()) return process.status();
    absl::StatusOr<std::string> started =
        (*process)->WaitForLog("started, version", absl::Seconds(10));
    if (started.ok()) {
      return std::unique_ptr<DnsServer>(
          new DnsServer(*std::move(process), hosts, port));
    }
    last = started.status();
  }
  return absl::UnavailableError(
      absl::StrCat("dnsmasq did not start: ", last.message()));
}

absl::Status DnsServer::SetHosts(const std::string& name,
                                 const std::vector<std::string>& addresses) {
  hosts_[name] = addresses;
  std::ofstream out(hosts_path_ + ".new");
  for (const auto& [host, ips] : hosts_) {
    for (const std::string& ip : ips) out << ip << " " << host << "\n";
  }
  out.close();
  if (!out ||
      std::rename((hosts_path_ + ".new").c_str(), hosts_path_.c_str()) != 0) {
    return absl::InternalError("cannot write " + hosts_path_);
  }
  process_->Signal(SIGHUP);
  return absl::OkStatus();
}

std::string DnsServer::Target(const std::string& name, int service_port) const {
  return absl::StrCat("dns://127.0.0.1:", port_, "/", name, ":", service_port);
}

}  // namespace registry::testing
