// What operators watch: one JSON access-log line per request at the
// gateway, with a request id that the client may choose, that the response
// echoes, and that storaged's logs carry for the same request.
#include <httplib.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/gateway_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace registry::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

class ObservabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<StoragedProcess> storaged =
        StartStoraged(NewTempDir("root"), {"--log_level=debug"});
    ASSERT_OK(storaged);
    storaged_ = *std::move(storaged);
    absl::StatusOr<GatewayProcess> gateway = StartGateway(storaged_.address);
    ASSERT_OK(gateway);
    gateway_ = *std::move(gateway);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", gateway_.port);
  }

  StoragedProcess storaged_;
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

}  // namespace
}  // namespace registry::testing
