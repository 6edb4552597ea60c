#include "tests/testing/load_balancer.h"

#include <httplib.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "tests/testing/wait.h"

namespace registry::testing {

absl::StatusOr<std::unique_ptr<LoadBalancer>> LoadBalancer::Start(
    const std::vector<int>& backend_ports) {
  const std::string dir = NewTempDir("haproxy");
  const int port = FreePort();
  std::string config = absl::StrCat(
      "global\n"
      "  maxconn 4096\n"
      "defaults\n"
      "  mode http\n"
      "  timeout connect 2s\n"
      "  timeout client 120s\n"
      "  timeout server 120s\n"
      "  retries 3\n"
      "  option redispatch 1\n"
      "  option http-server-close\n"
      "  default-server inter 250ms fall 2 rise 1\n"
      "frontend registry\n"
      "  bind 127.0.0.1:",
      port,
      "\n"
      "  default_backend gateways\n"
      "backend gateways\n"
      "  balance roundrobin\n"
      "  option httpchk GET /readyz\n"
      "  http-check expect status 200\n");
  for (size_t i = 0; i < backend_ports.size(); ++i) {
    absl::StrAppend(&config, "  server gateway", i,
                    " 127.0.0.1:", backend_ports[i], " check\n");
  }
  const std::string path = dir + "/haproxy.cfg";
  std::ofstream(path) << config;
  absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(
      {"/usr/sbin/haproxy", "-db", "-f", path}, dir + "/haproxy.log");
  if (!process.ok()) return process.status();
  std::unique_ptr<LoadBalancer> balancer(
      new LoadBalancer(*std::move(process), port));
  httplib::Client client("127.0.0.1", port);
  absl::Status up = WaitFor(
      [&] {
        auto answer = client.Get("/v2/");
        return answer && answer->status == 200;
      },
      absl::Seconds(20));
  if (!up.ok()) return up;
  return balancer;
}

}  // namespace registry::testing
