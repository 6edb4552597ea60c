// Rolling restarts on S3 with zero failed requests (issue 15): two storaged
// replicas on one Ceph RGW bucket, two gateways in front of both, haproxy
// in front of the gateways (standing in for a Kubernetes Service: health
// checks on /readyz, refused connections retried on the other backend).
// Clients push (monolithic and chunked), pull and put manifests without
// pause while every process is stopped with SIGTERM and started again, one
// at a time, as a rolling update does; every client request must succeed.
#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/testing/client_load.h"
#include "tests/testing/gateway_process.h"
#include "tests/testing/load_balancer.h"
#include "tests/testing/s3_server.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/storaged_process.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/wait.h"

namespace registry::testing {
namespace {

constexpr int kClients = 4;
// Successful client rounds to see between two restarts.
constexpr int kRoundsBetween = 20;

class RollingRestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storaged_config_ = SharedS3Server().WriteStoragedConfig(
        absl::StrCat("rolling-", getpid()), /*redirect=*/false);
    for (int i = 0; i < 2; ++i) {
      storaged_ports_.push_back(FreePort());
      gateway_ports_.push_back(FreePort());
    }
    target_ = absl::StrCat("ipv4:127.0.0.1:", storaged_ports_[0],
                           ",127.0.0.1:", storaged_ports_[1]);
    storaged_.resize(2);
    gateways_.resize(2);
    for (int i = 0; i < 2; ++i) {
      ASSERT_NO_FATAL_FAILURE(StartStoragedAt(i));
      ASSERT_NO_FATAL_FAILURE(StartGatewayAt(i));
    }
  }

  // storaged replica `i` on its port; calls logged (with request ids).
  void StartStoragedAt(int i) {
    absl::StatusOr<StoragedProcess> storaged =
        StartStoraged(NewTempDir("unused"),
                      {"--driver=s3", "--config=" + storaged_config_,
                       absl::StrCat("--listen=127.0.0.1:", storaged_ports_[i]),
                       "--log_level=debug"});
    ASSERT_OK(storaged);
    storaged_[i] = *std::move(storaged);
  }

  void StartGatewayAt(int i) {
    absl::StatusOr<GatewayProcess> gateway = StartGateway(
        target_, {absl::StrCat("--listen=127.0.0.1:", gateway_ports_[i])});
    ASSERT_OK(gateway);
    gateways_[i] = *std::move(gateway);
  }

  // SIGTERM, as Kubernetes stops a pod; the process must drain and exit 0.
  static void Stop(Subprocess& process) {
    process.Signal(SIGTERM);
    absl::StatusOr<int> code = process.Wait(absl::Seconds(40));
    ASSERT_OK(code);
    EXPECT_EQ(*code, 0);
  }

  // Waits until both gateways send calls to storaged replica `i`: probes
  // each gateway directly with its own request ids until one shows up in
  // the replica's log.
  void WaitUntilBothGatewaysReach(int i) {
    for (int g = 0; g < 2; ++g) {
      httplib::Client http("127.0.0.1", gateway_ports_[g]);
      const std::string id = absl::StrCat("probe-", i, "-", g, "-", ++probes_);
      ASSERT_OK(WaitFor(
          [&] {
            http.Head(
                "/v2/rolling/probe/blobs/sha256:"
                "0000000000000000000000000000000000000000000000000000"
                "000000000000",
                {{"X-Request-Id", id}});
            return storaged_[i]
                .process->WaitForLog(id, absl::Milliseconds(100))
                .ok();
          },
          absl::Seconds(30)))
          << "gateway " << g << " never reached storaged " << i;
    }
  }

  void WaitForRounds(ClientLoad& load) {
    const int64_t before = load.ok();
    ASSERT_OK(WaitFor([&] { return load.ok() >= before + kRoundsBetween; },
                      absl::Seconds(60)));
  }

  std::string storaged_config_;
  std::string target_;
  std::vector<int> storaged_ports_;
  std::vector<int> gateway_ports_;
  std::vector<StoragedProcess> storaged_;
  std::vector<GatewayProcess> gateways_;
  int probes_ = 0;
};

TEST_F(RollingRestartTest, EveryProcessRestartedInTurnFailsNoRequest) {
  absl::StatusOr<std::unique_ptr<LoadBalancer>> balancer =
      LoadBalancer::Start(gateway_ports_);
  ASSERT_OK(balancer);
  ClientLoad load((*balancer)->port(), kClients, "rolling");
  ASSERT_NO_FATAL_FAILURE(WaitForRounds(load));

  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE(absl::StrCat("storaged ", i));
    ASSERT_NO_FATAL_FAILURE(Stop(*storaged_[i].process));
    ASSERT_NO_FATAL_FAILURE(WaitForRounds(load));  // On the other alone.
    ASSERT_NO_FATAL_FAILURE(StartStoragedAt(i));
    ASSERT_NO_FATAL_FAILURE(WaitUntilBothGatewaysReach(i));
    ASSERT_NO_FATAL_FAILURE(WaitForRounds(load));
  }
  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE(absl::StrCat("gateway ", i));
    ASSERT_NO_FATAL_FAILURE(Stop(*gateways_[i].process));
    ASSERT_NO_FATAL_FAILURE(WaitForRounds(load));  // Through the other.
    ASSERT_NO_FATAL_FAILURE(StartGatewayAt(i));
    // haproxy sends client requests to it again.
    ASSERT_OK(gateways_[i].process->WaitForLog("\"repository\":\"rolling/c",
                                               absl::Seconds(30)));
    ASSERT_NO_FATAL_FAILURE(WaitForRounds(load));
  }
  load.Stop();
  std::vector<std::string> failures = load.failures();
  EXPECT_TRUE(failures.empty())
      << failures.size() << " failed rounds, first: " << failures[0];
  EXPECT_GE(load.ok(), 9 * kRoundsBetween);
}

}  // namespace
}  // namespace registry::testing
