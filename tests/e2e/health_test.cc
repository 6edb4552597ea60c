// Health and shutdown: the gateway's /healthz and /readyz follow storaged
// (ready, draining, gone) and the gateway's own drain notice, and a storaged
// or gateway told to stop (SIGTERM) finishes an upload in flight before it
// exits.
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/digest.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/gateway_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/test_data.h"
#include "tests/testing/wait.h"

namespace registry::testing {
namespace {

using ::testing::HasSubstr;

class HealthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = NewTempDir("root");
    absl::StatusOr<StoragedProcess> storaged =
        StartStoraged(root_, {"--shutdown_grace=20s"});
    ASSERT_OK(storaged);
    storaged_ = *std::move(storaged);
    absl::StatusOr<GatewayProcess> gateway = StartGateway(storaged_.address);
    ASSERT_OK(gateway);
    gateway_ = *std::move(gateway);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", gateway_.port);
  }

  int Status(const char* path) {
    auto response = client_->Get(path);
    return response ? response->status : 0;
  }

  std::string root_;
  StoragedProcess storaged_;
  GatewayProcess gateway_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(HealthTest, ReadyWhileStoragedServesAliveRegardless) {
  EXPECT_EQ(Status("/healthz"), 200);
  auto ready = client_->Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  EXPECT_EQ(ready->body, "ready\n");

  storaged_.process->Signal(SIGKILL);
  ASSERT_OK(storaged_.process->Wait(absl::Seconds(10)).status());
  auto gone = client_->Get("/readyz");
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 503);
  EXPECT_THAT(gone->body, HasSubstr("storaged"));
  EXPECT_EQ(Status("/healthz"), 200);
}

// Waits until the gateway on `port` is receiving an upload body: only then
// is the request in flight (before the gateway accepts it, a connection sits
// in the kernel's backlog, which closing the listener resets).
void WaitForUploadInFlight(int port) {
  httplib::Client client("127.0.0.1", port);
  ASSERT_OK(WaitFor(
      [&] {
        auto metrics = client.Get("/metrics");
        return metrics && absl::StrContains(metrics->body,
                                            "registry_uploads_in_flight 1\n");
      },
      absl::Seconds(10)));
}

TEST_F(HealthTest, SigtermDrainsAnUploadInFlightThenExits) {
  signal(SIGPIPE, SIG_IGN);
  auto start = client_->Post("/v2/drain/app/blobs/uploads/", "", "");
  ASSERT_TRUE(start);
  ASSERT_EQ(start->status, 202);
  const size_t size = 8 << 20;
  std::string content = Chunk(4, size);
  std::atomic<bool> half_sent{false};
  int patched_status = 0;
  std::string patched_range, patched_body;
  std::thread upload([&] {
    httplib::Client client("127.0.0.1", gateway_.port);
    auto patched = client.Patch(
        start->get_header_value("Location").c_str(),
        {{"Content-Range", absl::StrCat("0-", size - 1)}}, size,
        [&](size_t offset, size_t length, httplib::DataSink& sink) {
          size_t n = std::min<size_t>(length, 512 << 10);
          sink.write(content.data() + offset, n);
          if (offset + n >= size / 2 && !half_sent.exchange(true)) {
            absl::SleepFor(absl::Milliseconds(300));  // SIGTERM lands here.
          }
          absl::SleepFor(absl::Milliseconds(20));
          return true;
        },
        "application/octet-stream");
    if (patched) {
      patched_status = patched->status;
      patched_range = patched->get_header_value("Range");
      patched_body = patched->body;
    }
  });
  while (!half_sent) absl::SleepFor(absl::Milliseconds(5));
  WaitForUploadInFlight(gateway_.port);
  storaged_.process->Signal(SIGTERM);
  // Draining, then stopped: no longer ready.
  EXPECT_OK(
      WaitFor([&] { return Status("/readyz") == 503; }, absl::Seconds(10)));
  upload.join();
  EXPECT_EQ(patched_status, 202) << patched_body;
  EXPECT_EQ(patched_range, absl::StrCat("0-", size - 1));
  absl::StatusOr<int> exit_code = storaged_.process->Wait(absl::Seconds(10));
  ASSERT_OK(exit_code);
  EXPECT_EQ(*exit_code, 0);

  // The bytes are there for the next storaged on the same root.
  absl::StatusOr<Registry> next = StartRegistry(root_);
  ASSERT_OK(next);
  httplib::Client client("127.0.0.1", next->gateway.port);
  auto status = client.Get(start->get_header_value("Location").c_str());
  ASSERT_TRUE(status);
  EXPECT_EQ(status->status, 204);
  EXPECT_EQ(status->get_header_value("Range"), absl::StrCat("0-", size - 1));
}

// Starts a PATCH of `size` bytes through `port` that sends half, waits until
// `go` is set, then sends the rest; `status` gets the response's status.
std::thread SlowPatch(int port, const std::string& location, size_t size,
                      std::atomic<bool>* half_sent, std::atomic<bool>* go,
                      std::atomic<int>* status) {
  return std::thread([=] {
    std::string content(size, 'z');
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(30);
    auto response = client.Patch(
        location.c_str(), {{"Content-Range", absl::StrCat("0-", size - 1)}},
        size,
        [&](size_t offset, size_t length, httplib::DataSink& sink) {
          size_t n = std::min<size_t>(length, size / 2);
          sink.write(content.data() + offset, n);
          if (offset == 0) {
            *half_sent = true;
            while (!*go) absl::SleepFor(absl::Milliseconds(5));
          }
          return true;
        },
        "application/octet-stream");
    *status = response ? response->status : -1;
  });
}

TEST_F(HealthTest, GatewaySigtermFinishesRequestsInFlightThenExits) {
  signal(SIGPIPE, SIG_IGN);
  auto start = client_->Post("/v2/drain/gw/blobs/uploads/", "", "");
  ASSERT_EQ(start->status, 202);
  std::atomic<bool> half_sent{false}, go{false};
  std::atomic<int> status{0};
  std::thread upload =
      SlowPatch(gateway_.port, start->get_header_value("Location"), 1 << 20,
                &half_sent, &go, &status);
  WaitForUploadInFlight(gateway_.port);
  gateway_.process->Signal(SIGTERM);
  // The drain notice (--drain_notice, 2 s): /readyz says 503 so that load
  // balancers stop sending, while requests are still served.
  EXPECT_OK(WaitFor(
      [&] {
        httplib::Client probe("127.0.0.1", gateway_.port);
        auto ready = probe.Get("/readyz");
        return ready && ready->status == 503 &&
               absl::StrContains(ready->body, "draining");
      },
      absl::Seconds(2)));
  {
    httplib::Client during("127.0.0.1", gateway_.port);
    auto served = during.Get("/v2/");
    ASSERT_TRUE(served);
    EXPECT_EQ(served->status, 200);
  }
  // Then new connections are refused while the upload finishes.
  EXPECT_OK(WaitFor(
      [&] {
        httplib::Client late("127.0.0.1", gateway_.port);
        return !late.Get("/healthz");
      },
      absl::Seconds(5)));
  go = true;
  upload.join();
  EXPECT_EQ(status, 202);
  absl::StatusOr<int> exit_code = gateway_.process->Wait(absl::Seconds(10));
  ASSERT_OK(exit_code);
  EXPECT_EQ(*exit_code, 0);
}

TEST_F(HealthTest, GatewayExitsWhenTheGraceExpires) {
  signal(SIGPIPE, SIG_IGN);
  absl::StatusOr<GatewayProcess> gateway =
      StartGateway(storaged_.address, {"--shutdown_grace=1s"});
  ASSERT_OK(gateway);
  httplib::Client client("127.0.0.1", gateway->port);
  auto start = client.Post("/v2/drain/stuck/blobs/uploads/", "", "");
  ASSERT_EQ(start->status, 202);
  std::atomic<bool> half_sent{false}, go{false};
  std::atomic<int> status{0};
  std::thread upload =
      SlowPatch(gateway->port, start->get_header_value("Location"), 1 << 20,
                &half_sent, &go, &status);
  WaitForUploadInFlight(gateway->port);
  absl::Time signalled = absl::Now();
  gateway->process->Signal(SIGTERM);
  absl::StatusOr<int> exit_code = gateway->process->Wait(absl::Seconds(10));
  go = true;
  upload.join();
  ASSERT_OK(exit_code);
  EXPECT_EQ(*exit_code, 1);
  EXPECT_LT(absl::Now() - signalled, absl::Seconds(5));
  EXPECT_OK(
      gateway->process->WaitForLog("shutdown grace expired", absl::Seconds(1)));
}

// Occurrences of `needle` in the file at `path`.
int CountInFile(const std::string& path, const std::string& needle) {
  std::ifstream in(path);
  std::string line;
  int count = 0;
  while (std::getline(in, line)) count += absl::StrContains(line, needle);
  return count;
}

TEST(DrainTest, ADrainingStoragedGetsNoNewCallsFromTheGateway) {
  std::string root = NewTempDir("root");
  absl::StatusOr<StoragedProcess> a =
      StartStoraged(root, {"--log_level=debug", "--drain_notice=4s"});
  absl::StatusOr<StoragedProcess> b =
      StartStoraged(root, {"--log_level=debug"});
  ASSERT_OK(a);
  ASSERT_OK(b);
  absl::StatusOr<GatewayProcess> gateway =
      StartGateway(absl::StrCat("ipv4:", a->address, ",", b->address));
  ASSERT_OK(gateway);
  httplib::Client client("127.0.0.1", gateway->port);
  const std::string call = "TagService/List";
  for (int i = 0; i < 20; ++i) client.Get("/v2/drain/app/tags/list");
  EXPECT_GT(CountInFile(a->process->log_path(), call), 0);
  EXPECT_GT(CountInFile(b->process->log_path(), call), 0);

  a->process->Signal(SIGTERM);
  absl::SleepFor(absl::Milliseconds(500));
  int a_before = CountInFile(a->process->log_path(), call);
  int b_before = CountInFile(b->process->log_path(), call);
  for (int i = 0; i < 20; ++i) {
    auto response = client.Get("/v2/drain/app/tags/list");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 404);  // Served: NAME_UNKNOWN.
  }
  // The gateway follows storaged's health watch (healthCheckConfig). gRPC's
  // sync health service delivers the NOT_SERVING update when the draining
  // process next handles a call, so at most one more call lands there
  // (and is served: the notice period still serves); then none.
  int a_after = CountInFile(a->process->log_path(), call);
  EXPECT_LE(a_after - a_before, 1);
  EXPECT_EQ(CountInFile(b->process->log_path(), call),
            b_before + 20 - (a_after - a_before));
  absl::StatusOr<int> exit_code = a->process->Wait(absl::Seconds(15));
  ASSERT_OK(exit_code);
  EXPECT_EQ(*exit_code, 0);
}

}  // namespace
}  // namespace registry::testing
