// S3Client's retries and its one error table, against a local HTTP server
// that answers as S3 does when it fails (a real S3 server cannot be made to
// throttle or fail on demand; the driver suite covers the real one).
#include "drivers/s3/s3_client.h"

#include <httplib.h>

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace registry::drivers::s3 {
namespace {

using ::registry::testing::StatusIs;

std::string ErrorXml(const std::string& code) {
  return absl::StrCat("<?xml version=\"1.0\"?><Error><Code>", code,
                      "</Code><Message>because</Message></Error>");
}

class S3ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Get("/bucket/flaky",
                [&](const httplib::Request& req, httplib::Response& res) {
                  EXPECT_NE(req.get_header_value("Authorization"), "");
                  if (++calls_ <= 2) {
                    res.status = 503;
                    res.set_content(ErrorXml("SlowDown"), "application/xml");
                  } else {
                    res.set_content("ok", "application/octet-stream");
                  }
                });
    server_.Get("/bucket/missing",
                [&](const httplib::Request&, httplib::Response& res) {
                  ++calls_;
                  res.status = 404;
                  res.set_content(ErrorXml("NoSuchKey"), "application/xml");
                });
    server_.Get("/bucket/denied",
                [&](const httplib::Request&, httplib::Response& res) {
                  ++calls_;
                  res.status = 403;
                  res.set_content(ErrorXml("AccessDenied"), "application/xml");
                });
    server_.Get("/bucket/down",
                [&](const httplib::Request&, httplib::Response& res) {
                  ++calls_;
                  res.status = 500;
                  res.set_content(ErrorXml("InternalError"), "application/xml");
                });
    server_.Post("/bucket/complete", [&](const httplib::Request&,
                                         httplib::Response& res) {
      ++calls_;
      res.status = 200;  // S3 may fail a completion after answering 200.
      res.set_content(ErrorXml("InvalidPart"), "application/xml");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([&] { server_.listen_after_bind(); });
    S3Endpoint endpoint;
    endpoint.url = absl::StrCat("http://127.0.0.1:", port_);
    endpoint.region = "us-east-1";
    endpoint.bucket = "bucket";
    endpoint.credentials = {"access", "secret", ""};
    endpoint.max_attempts = 4;
    auto client = S3Client::Create(endpoint);
    ASSERT_OK(client);
    client_ = *std::move(client);
  }
  void TearDown() override {
    client_.reset();  // Closes kept-alive connections the server waits on.
    server_.stop();
    thread_.join();
  }

  absl::Status Get(const std::string& key) {
    return client_->Send({"GET", key, {}, {}, {}}, "GET " + key).status();
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> calls_{0};
  std::unique_ptr<S3Client> client_;
};

TEST_F(S3ClientTest, ThrottlingIsRetriedWithBackoff) {
  absl::StatusOr<S3Response> response =
      client_->Send({"GET", "flaky", {}, {}, {}}, "GET flaky");
  ASSERT_OK(response);
  EXPECT_EQ(response->body, "ok");
  EXPECT_EQ(calls_, 3);
}

TEST_F(S3ClientTest, ErrorsMapToStatusCodesWithoutPointlessRetries) {
  EXPECT_THAT(Get("missing"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(calls_, 1);
  calls_ = 0;
  absl::Status denied = Get("denied");
  EXPECT_THAT(denied, StatusIs(absl::StatusCode::kInternal));
  EXPECT_NE(denied.message().find("AccessDenied"), std::string::npos);
  EXPECT_EQ(calls_, 1);
  calls_ = 0;
  EXPECT_THAT(Get("down"), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(calls_, 4);  // Every attempt.
  calls_ = 0;
  EXPECT_THAT(client_
                  ->Send({"POST", "complete", {{"uploadId", "u"}}, {}, {}},
                         "CompleteMultipartUpload")
                  .status(),
              StatusIs(absl::StatusCode::kInternal));
}

TEST_F(S3ClientTest, AnUnreachableStoreIsUnavailable) {
  S3Endpoint endpoint = client_->endpoint();
  endpoint.url =
      absl::StrCat("http://127.0.0.1:", registry::testing::FreePort());
  endpoint.max_attempts = 2;
  auto client = S3Client::Create(endpoint);
  ASSERT_OK(client);
  EXPECT_THAT((*client)->Send({"GET", "x", {}, {}, {}}, "GET x").status(),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST(S3ClientCreateTest, MalformedEndpointsAreRefused) {
  S3Endpoint endpoint;
  endpoint.bucket = "b";
  for (const char* url : {"127.0.0.1:9000", "ftp://host", "http://"}) {
    endpoint.url = url;
    EXPECT_THAT(S3Client::Create(endpoint),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << url;
  }
}

}  // namespace
}  // namespace registry::drivers::s3
