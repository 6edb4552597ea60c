// Collections run by storaged itself: AdminService.GarbageCollect (dry run,
// real run, refusals), the schedule (storage.maintenance.gc), the metrics
// and the JSON log lines, against the real binaries.
#include <httplib.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/digest.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/admin.grpc.pb.h"
#include "tests/testing/gateway_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/wait.h"

namespace registry::testing {
namespace {

using ::testing::HasSubstr;

struct Collected {
  grpc::Status status;
  std::vector<v1::GarbageCollectResponse> messages;
};

Collected Collect(StoragedProcess& storaged,
                  const v1::GarbageCollectRequest& request) {
  auto stub = v1::AdminService::NewStub(storaged.channel);
  grpc::ClientContext context;
  auto reader = stub->GarbageCollect(&context, request);
  Collected out;
  v1::GarbageCollectResponse message;
  while (reader->Read(&message)) out.messages.push_back(message);
  out.status = reader->Finish();
  return out;
}

class GcAdminTest : public ::testing::Test {
 protected:
  // storaged (with `yaml` appended to its configuration) and a gateway.
  void Start(const std::string& yaml) {
    root_ = NewTempDir("root");
    metrics_port_ = FreePort();
    std::string config = absl::StrCat(NewTempDir("config"), "/storaged.yml");
    std::ofstream(config) << "version: 0.1\nmetrics:\n  addr: 127.0.0.1:"
                          << metrics_port_ << "\n"
                          << yaml;
    absl::StatusOr<StoragedProcess> storaged =
        StartStoraged(root_, {"--config=" + config});
    ASSERT_OK(storaged);
    storaged_ = *std::move(storaged);
    absl::StatusOr<GatewayProcess> gateway = StartGateway(storaged_.address);
    ASSERT_OK(gateway);
    gateway_ = *std::move(gateway);
  }

  // Uploads a blob no manifest names; returns its digest.
  std::string PushOrphan(const std::string& content) {
    httplib::Client http("http://" + gateway_.host);
    auto started = http.Post("/v2/team/app/blobs/uploads/", "",
                             "application/octet-stream");
    EXPECT_TRUE(started && started->status == 202);
    std::string digest = DigestOf(content).ToString();
    std::string location = started ? started->get_header_value("Location") : "";
    auto put = http.Put(
        absl::StrCat(location,
                     location.find('?') == std::string::npos ? "?" : "&",
                     "digest=", digest),
        content, "application/octet-stream");
    EXPECT_TRUE(put && put->status == 201);
    return digest;
  }

  int BlobStatus(const std::string& digest) {
    httplib::Client http("http://" + gateway_.host);
    auto head = http.Head("/v2/team/app/blobs/" + digest);
    return head ? head->status : 0;
  }

  // The value of one metric series ("" when absent).
  std::string Metric(const std::string& series) {
    httplib::Client http("127.0.0.1", metrics_port_);
    auto got = http.Get("/metrics");
    if (!got) return "";
    size_t at = got->body.find("\n" + series + " ");
    if (at == std::string::npos) return "";
    at += series.size() + 2;
    return got->body.substr(at, got->body.find('\n', at) - at);
  }

  std::string root_;
  int metrics_port_ = 0;
  StoragedProcess storaged_;
  GatewayProcess gateway_;
};

TEST_F(GcAdminTest, TheRpcStreamsDeletionsAndTheSummary) {
  Start("");
  std::string orphan = PushOrphan("nobody names me");

  v1::GarbageCollectRequest request;
  request.set_dry_run(true);
  request.set_delay_seconds(0);
  Collected dry = Collect(storaged_, request);
  ASSERT_TRUE(dry.status.ok()) << dry.status.error_message();
  ASSERT_FALSE(dry.messages.empty());
  ASSERT_TRUE(dry.messages.back().has_summary());
  EXPECT_TRUE(dry.messages.back().summary().dry_run());
  EXPECT_EQ(dry.messages.back().summary().blobs_deleted(), 1);
  bool named = false;
  for (const auto& message : dry.messages) {
    named |= message.has_deletion() && message.deletion().subject() == orphan;
  }
  EXPECT_TRUE(named);
  EXPECT_EQ(BlobStatus(orphan), 200);  // A dry run deletes nothing...

  // ...and the HEAD just now made the blob young: the default delay (1h)
  // keeps it.
  request.clear_dry_run();
  request.clear_delay_seconds();
  Collected kept = Collect(storaged_, request);
  ASSERT_TRUE(kept.status.ok()) << kept.status.error_message();
  EXPECT_EQ(kept.messages.back().summary().blobs_deleted(), 0);
  EXPECT_EQ(BlobStatus(orphan), 200);

  // With no delay, a collection deletes it once the store's clock (whose
  // file times may be coarse, a few milliseconds) has moved past its use.
  request.set_delay_seconds(0);
  Collected run;
  ASSERT_OK(WaitFor(
      [&] {
        run = Collect(storaged_, request);
        return !run.status.ok() ||
               run.messages.back().summary().blobs_deleted() > 0;
      },
      absl::Seconds(5)));
  ASSERT_TRUE(run.status.ok()) << run.status.error_message();
  const v1::GarbageCollectSummary& summary = run.messages.back().summary();
  EXPECT_FALSE(summary.dry_run());
  EXPECT_EQ(summary.blobs_deleted(), 1);
  EXPECT_EQ(summary.bytes_deleted(), 15);
  EXPECT_THAT(summary.text(), HasSubstr("1 deleted (15 bytes)"));
  EXPECT_EQ(BlobStatus(orphan), 404);

  EXPECT_EQ(Metric("registry_gc_runs_total{result=\"ok\",dry_run=\"true\"}"),
            "1");
  EXPECT_EQ(Metric("registry_gc_deleted_total{kind=\"blob\"}"), "1");
  EXPECT_EQ(Metric("registry_gc_deleted_bytes_total"), "15");
  EXPECT_NE(Metric("registry_gc_last_success_timestamp_seconds"), "");
  EXPECT_EQ(Metric("registry_gc_running"), "0");
  EXPECT_OK(
      storaged_.process->WaitForLog("1 deleted (15 bytes)", absl::Seconds(5)));

  request.set_delay_seconds(-1);
  EXPECT_EQ(Collect(storaged_, request).status.error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(GcAdminTest, DisabledDeletesAllowOnlyDryRuns) {
  Start("storage:\n  delete:\n    enabled: false\n");
  std::string orphan = PushOrphan("nobody names me");
  v1::GarbageCollectRequest request;
  request.set_delay_seconds(0);
  Collected refused = Collect(storaged_, request);
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(refused.status.error_message(), HasSubstr("garbage collection"));
  request.set_dry_run(true);
  EXPECT_TRUE(Collect(storaged_, request).status.ok());
  EXPECT_EQ(BlobStatus(orphan), 200);
}

TEST_F(GcAdminTest, TheScheduleCollects) {
  Start(
      "storage:\n  maintenance:\n    gc:\n      enabled: true\n"
      "      interval: 200ms\n      delay: 0s\n");
  std::string orphan = PushOrphan("nobody names me");
  EXPECT_OK(
      WaitFor([&] { return BlobStatus(orphan) == 404; }, absl::Seconds(20)));
  EXPECT_OK(storaged_.process->WaitForLog("\"trigger\":\"schedule\"",
                                          absl::Seconds(5)));
}

}  // namespace
}  // namespace registry::testing
