// storaged replicas found through DNS (issue 15): a gateway on a dns://
// target served by dnsmasq on loopback, replicas on 127.0.0.2, .3 and .4 at
// one port and one root. Under steady pushes and pulls, a replica added to
// DNS serves calls within 30 s (storaged's --max_connection_age makes the
// gateway resolve again; no restart), and a replica removed from DNS and
// stopped with SIGTERM (drain notice) costs no client request.
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/digest.h"
#include "gtest/gtest.h"
#include "tests/testing/client_load.h"
#include "tests/testing/dns_server.h"
#include "tests/testing/gateway_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/storaged_metrics.h"
#include "tests/testing/test_data.h"
#include "tests/testing/wait.h"

namespace registry::testing {
namespace {

constexpr char kName[] = "storaged.test";

using Replica = MeteredStoraged;

// The registry calls (not health checks) `replica` has answered so far.
double RegistryCalls(const Replica& replica) {
  return ScrapeSum(replica, "registry_rpc_requests_total{method=\"/registry.");
}

TEST(DiscoveryTest, ReplicasJoinAndLeaveThroughDnsWithoutAFailedRequest) {
  absl::StatusOr<std::unique_ptr<DnsServer>> dns = DnsServer::Start();
  ASSERT_OK(dns);
  const std::string root = NewTempDir("root");
  const int port = FreePort();
  std::vector<Replica> replicas;
  for (const char* ip : {"127.0.0.2", "127.0.0.3", "127.0.0.4"}) {
    absl::StatusOr<Replica> replica = StartMeteredStoraged(root, ip, port);
    ASSERT_OK(replica);
    replicas.push_back(*std::move(replica));
  }
  Replica& leaving = replicas[0];
  Replica& joining = replicas[2];
  ASSERT_OK((*dns)->SetHosts(kName, {"127.0.0.2", "127.0.0.3"}));
  absl::StatusOr<GatewayProcess> gateway =
      StartGateway((*dns)->Target(kName, port));
  ASSERT_OK(gateway);

  ClientLoad load(gateway->port, 4, "discovery");
  ASSERT_OK(WaitFor([&] { return load.ok() >= 20; }, absl::Seconds(30)));
  EXPECT_GT(RegistryCalls(replicas[0]), 0);
  EXPECT_GT(RegistryCalls(replicas[1]), 0);
  EXPECT_EQ(RegistryCalls(joining), 0) << "not in DNS yet";

  // A replica appears in DNS: it serves calls within 30 s.
  ASSERT_OK((*dns)->SetHosts(kName, {"127.0.0.2", "127.0.0.3", "127.0.0.4"}));
  const absl::Time added = absl::Now();
  ASSERT_OK(
      WaitFor([&] { return RegistryCalls(joining) > 0; }, absl::Seconds(45)));
  EXPECT_LT(absl::Now() - added, absl::Seconds(30));

  // A replica leaves DNS and is stopped as Kubernetes stops a pod.
  ASSERT_OK((*dns)->SetHosts(kName, {"127.0.0.3", "127.0.0.4"}));
  leaving.storaged.process->Signal(SIGTERM);
  absl::StatusOr<int> code = leaving.storaged.process->Wait(absl::Seconds(30));
  ASSERT_OK(code);
  EXPECT_EQ(*code, 0);
  const int64_t after_leave = load.ok();
  ASSERT_OK(WaitFor([&] { return load.ok() >= after_leave + 50; },
                    absl::Seconds(30)));
  load.Stop();
  EXPECT_TRUE(load.failures().empty())
      << load.failures().size() << " failed, first: " << load.failures()[0];
  EXPECT_GT(RegistryCalls(joining), 0);
}

}  // namespace
}  // namespace registry::testing
