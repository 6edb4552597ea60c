// What operators watch: one JSON access-log line per request at the
// gateway, with a request id that the client may choose, that the response
// echoes, and that storaged's logs carry for the same request.
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
#include "tests/testing/wait.h"

namespace registry::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

class ObservabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string config = NewTempDir("config") + "/storaged.yml";
    std::ofstream(config) << "metrics:\n  addr: 127.0.0.1:0\n";
    absl::StatusOr<StoragedProcess> storaged = StartStoraged(
        NewTempDir("root"), {"--log_level=debug", "--config=" + config});
    ASSERT_OK(storaged);
    storaged_ = *std::move(storaged);
    absl::StatusOr<std::string> line = storaged_.process->WaitForLog(
        "metrics on 127.0.0.1:", absl::Seconds(5));
    ASSERT_OK(line);
    size_t at = line->find("127.0.0.1:") + 10;
    metrics_port_ = std::stoi(line->substr(at));
    absl::StatusOr<GatewayProcess> gateway = StartGateway(storaged_.address);
    ASSERT_OK(gateway);
    gateway_ = *std::move(gateway);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", gateway_.port);
  }

  // storaged's /metrics, from its own port.
  std::string StoragedMetrics() {
    httplib::Client client("127.0.0.1", metrics_port_);
    auto response = client.Get("/metrics");
    return response ? response->body : "";
  }
  std::string GatewayMetrics() {
    auto response = client_->Get("/metrics");
    EXPECT_EQ(response->get_header_value("Content-Type"),
              "text/plain; version=0.0.4; charset=utf-8");
    return response ? response->body : "";
  }

  StoragedProcess storaged_;
  int metrics_port_ = 0;
  GatewayProcess gateway_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(ObservabilityTest, EveryRequestIsOneAccessLineWithItsRequestId) {
  auto response = client_->Get("/v2/team/app/manifests/v1",
                               {{"X-Request-Id", "trace-abc.1"}});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(response->get_header_value("X-Request-Id"), "trace-abc.1");

  absl::StatusOr<std::string> access = gateway_.process->WaitForLog(
      "\"request_id\":\"trace-abc.1\"", absl::Seconds(5));
  ASSERT_OK(access);
  EXPECT_THAT(*access, HasSubstr("\"component\":\"access\""));
  EXPECT_THAT(*access, HasSubstr("\"method\":\"GET\""));
  EXPECT_THAT(*access, HasSubstr("\"route\":\"manifest\""));
  EXPECT_THAT(*access, HasSubstr("\"repository\":\"team/app\""));
  EXPECT_THAT(*access, HasSubstr("\"status\":404"));
  EXPECT_THAT(*access, HasSubstr("\"duration_ms\":"));

  // storaged logged the same request's call under the same id.
  absl::StatusOr<std::string> rpc = storaged_.process->WaitForLog(
      "\"request_id\":\"trace-abc.1\"", absl::Seconds(5));
  ASSERT_OK(rpc);
  EXPECT_THAT(*rpc, HasSubstr("ManifestService/Get"));
}

TEST_F(ObservabilityTest, MalformedRequestIdsAreReplaced) {
  auto response =
      client_->Get("/v2/", {{"X-Request-Id", "has spaces and \"quotes\""}});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_THAT(response->get_header_value("X-Request-Id"),
              MatchesRegex("[0-9a-f]{16}"));
  auto fresh = client_->Get("/v2/");
  ASSERT_TRUE(fresh);
  EXPECT_THAT(fresh->get_header_value("X-Request-Id"),
              MatchesRegex("[0-9a-f]{16}"));
  EXPECT_NE(fresh->get_header_value("X-Request-Id"),
            response->get_header_value("X-Request-Id"));
}

TEST_F(ObservabilityTest, MetricsCountRequestsCallsDriverOperationsAndCache) {
  std::string blob = "counted";
  std::string digest = DigestOf(blob).ToString();
  ASSERT_EQ(client_
                ->Post("/v2/m/app/blobs/uploads/?digest=" + digest, blob,
                       "application/octet-stream")
                ->status,
            201);
  ASSERT_EQ(client_->Get("/v2/m/app/manifests/missing")->status, 404);
  ASSERT_EQ(client_->Get("/v2/m/app/manifests/missing")->status, 404);

  // A request is counted once its response is written (its latency covers
  // the body), so the count may trail the client's receipt by a moment.
  std::string gateway;
  ASSERT_OK(WaitFor(
      [&] {
        gateway = GatewayMetrics();
        return absl::StrContains(gateway,
                                 "registry_http_request_seconds_bucket{method="
                                 "\"GET\",route=\"manifest\",le=\"+Inf\"} 2\n");
      },
      absl::Seconds(10)))
      << gateway;
  EXPECT_THAT(gateway,
              HasSubstr("# TYPE registry_http_requests_total counter"));
  EXPECT_THAT(gateway, HasSubstr("registry_http_requests_total{method=\"GET\","
                                 "route=\"manifest\",status=\"404\"} 2\n"));
  EXPECT_THAT(gateway, HasSubstr("registry_http_requests_total{method=\"POST\","
                                 "route=\"uploads\",status=\"201\"} 1\n"));
  EXPECT_THAT(gateway,
              HasSubstr("registry_http_request_seconds_bucket{method=\"GET\","
                        "route=\"manifest\",le=\"+Inf\"} 2\n"));
  EXPECT_THAT(gateway, HasSubstr("registry_http_received_bytes_total{route="
                                 "\"uploads\"} 7\n"));
  EXPECT_THAT(gateway, HasSubstr("registry_uploads_in_flight 0\n"));

  std::string storaged = StoragedMetrics();
  EXPECT_THAT(storaged,
              HasSubstr("registry_rpc_requests_total{method=\"/"
                        "registry.v1.ManifestService/Get\",code=\"5\"} 2\n"));
  EXPECT_THAT(storaged, HasSubstr("registry_driver_operations_total{driver="
                                  "\"filesystem\",op=\"put_content\","
                                  "result=\"ok\"}"));
  EXPECT_THAT(storaged, HasSubstr("registry_driver_operation_seconds_count{"
                                  "driver=\"filesystem\",op=\"stat\"}"));
  EXPECT_THAT(storaged,
              HasSubstr("# TYPE registry_cache_requests_total counter"));
}

TEST_F(ObservabilityTest, UploadsInFlightAreAGauge) {
  signal(SIGPIPE, SIG_IGN);
  auto start = client_->Post("/v2/m/slow/blobs/uploads/", "", "");
  ASSERT_EQ(start->status, 202);
  std::atomic<bool> release{false};
  std::thread upload([&] {
    httplib::Client client("127.0.0.1", gateway_.port);
    client.Patch(
        start->get_header_value("Location"), {}, 2,
        [&](size_t offset, size_t, httplib::DataSink& sink) {
          sink.write("x", 1);
          while (offset == 0 && !release) {
            absl::SleepFor(absl::Milliseconds(10));
          }
          return true;
        },
        "application/octet-stream");
  });
  absl::Status seen = WaitFor(
      [&] {
        return absl::StrContains(GatewayMetrics(),
                                 "registry_uploads_in_flight 1\n");
      },
      absl::Seconds(10));
  release = true;
  upload.join();
  EXPECT_OK(seen);
  EXPECT_THAT(GatewayMetrics(), HasSubstr("registry_uploads_in_flight 0\n"));
}

}  // namespace
}  // namespace registry::testing
