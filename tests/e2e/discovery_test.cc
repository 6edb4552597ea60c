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

// Clients pushing a fresh blob and reading it back, without pause, until
// stopped; every failure is kept.
class Load {
 public:
  Load(int port, int clients) {
    for (int c = 0; c < clients; ++c) {
      threads_.emplace_back([this, port, c] { Run(port, c); });
    }
  }
  ~Load() { Stop(); }

  void Stop() {
    stop_ = true;
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  int64_t ok() const { return ok_; }
  std::vector<std::string> failures() {
    absl::MutexLock lock(&mu_);
    return failures_;
  }

 private:
  void Run(int port, int client) {
    httplib::Client http("127.0.0.1", port);
    http.set_read_timeout(30);
    for (uint64_t i = 0; !stop_; ++i) {
      std::string blob = Chunk(client * 1000000 + i, 16 << 10);
      std::string digest = DigestOf(blob).ToString();
      std::string path = absl::StrCat("/v2/discovery/app", client, "/blobs/");
      auto put =
          http.Post(absl::StrCat(path, "uploads/?digest=", digest).c_str(),
                    blob, "application/octet-stream");
      std::string failure;
      if (!put) {
        failure = "push: " + httplib::to_string(put.error());
      } else if (put->status != 201) {
        failure = absl::StrCat("push: ", put->status, " ", put->body);
      } else if (auto get = http.Get((path + digest).c_str()); !get) {
        failure = "pull: " + httplib::to_string(get.error());
      } else if (get->status != 200 || get->body != blob) {
        failure = absl::StrCat("pull: ", get->status);
      }
      if (failure.empty()) {
        ++ok_;
        continue;
      }
      absl::MutexLock lock(&mu_);
      failures_.push_back(std::move(failure));
    }
  }

  std::atomic<bool> stop_{false};
  std::atomic<int64_t> ok_{0};
  absl::Mutex mu_;
  std::vector<std::string> failures_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_;
};

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

  Load load(gateway->port, 4);
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
