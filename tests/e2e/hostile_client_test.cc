// The gateway against hostile clients (issue 11): slow and idle connection
// floods, header floods, every Content-Length framing trick, pipelining,
// slow bodies, half-closed connections and thousands of connections opened
// and dropped. Each case checks the answer the attack gets and that a
// well-behaved client (another address, 127.0.0.2) is served within 1 s
// throughout.
#include <sys/resource.h>

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/digest.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/gateway_process.h"
#include "tests/testing/raw_connection.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/wait.h"

namespace registry::testing {
namespace {

using ::testing::HasSubstr;

constexpr absl::Duration kServedWithin = absl::Seconds(1);

// Many connections from 127.0.0.1 that each run `step` every 50 ms and
// reconnect (with `start`) when the gateway closes them.
class Flood {
 public:
  Flood(int port, int connections, std::string start,
        std::function<std::string(int tick)> step)
      : port_(port), start_(std::move(start)), step_(std::move(step)) {
    for (int i = 0; i < connections; ++i) Reconnect(i);
  }

  // Runs for `duration`; returns how many connections the gateway closed.
  int RunFor(absl::Duration duration) {
    int closed = 0;
    absl::Time end = absl::Now() + duration;
    for (int tick = 0; absl::Now() < end; ++tick) {
      for (size_t i = 0; i < connections_.size(); ++i) {
        std::string bytes = step_(tick);
        if (connections_[i] == nullptr || connections_[i]->PeerClosed() ||
            (!bytes.empty() && !connections_[i]->Send(bytes))) {
          ++closed;
          Reconnect(i);
        }
      }
      absl::SleepFor(absl::Milliseconds(50));  // The attack's pace.
    }
    return closed;
  }

 private:
  void Reconnect(size_t i) {
    if (connections_.size() <= i) connections_.resize(i + 1);
    absl::StatusOr<std::unique_ptr<RawConnection>> c =
        RawConnection::Open(port_);
    connections_[i] = c.ok() ? *std::move(c) : nullptr;
    if (connections_[i] != nullptr && !start_.empty()) {
      connections_[i]->Send(start_);
    }
  }

  const int port_;
  const std::string start_;
  const std::function<std::string(int)> step_;
  std::vector<std::unique_ptr<RawConnection>> connections_;
};

class HostileClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rlimit files{};
    getrlimit(RLIMIT_NOFILE, &files);
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }

  void SetUp() override {
    absl::StatusOr<StoragedProcess> storaged =
        StartStoraged(NewTempDir("root"));
    ASSERT_OK(storaged);
    storaged_ = *std::move(storaged);
    absl::StatusOr<GatewayProcess> gateway = StartGateway(
        storaged_.address, {"--header_timeout=2s", "--idle_timeout=3s"});
    ASSERT_OK(gateway);
    gateway_ = *std::move(gateway);
    port_ = gateway_.port;
  }

  std::unique_ptr<RawConnection> Connect(const std::string& source = "") {
    absl::StatusOr<std::unique_ptr<RawConnection>> c =
        RawConnection::Open(port_, source);
    EXPECT_OK(c);
    return c.ok() ? *std::move(c) : nullptr;
  }

  // Sends `request` on a new connection; the response, which must come
  // within 1 s.
  std::string Answer(const std::string& request,
                     const std::string& source = "") {
    std::unique_ptr<RawConnection> c = Connect(source);
    if (c == nullptr) return "";
    absl::Time start = absl::Now();
    c->Send(request);
    std::string response = c->ReadResponse(absl::Seconds(5));
    EXPECT_LT(absl::Now() - start, kServedWithin) << request.substr(0, 80);
    return response;
  }

  static void ExpectServed(const Prober::Result& result) {
    std::cout << "probes: " << result.probes << ", failed " << result.failed
              << ", slowest " << absl::FormatDuration(result.slowest)
              << std::endl;
    EXPECT_GT(result.probes, 0);
    EXPECT_EQ(result.failed, 0);
    EXPECT_LT(result.slowest, kServedWithin);
  }

  std::string PushTag(const std::string& repo, const std::string& tag) {
    std::string config = "{}";
    std::string digest = DigestOf(config).ToString();
    std::string post =
        absl::StrCat("POST /v2/", repo, "/blobs/uploads/?digest=", digest,
                     " HTTP/1.1\r\nHost: x\r\nContent-Length: 2"
                     "\r\n\r\n{}");
    EXPECT_EQ(StatusOf(Answer(post)), 201);
    std::string manifest = absl::StrCat(
        R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")",
        digest, R"(","size":2},"layers":[]})");
    std::string put = absl::StrCat(
        "PUT /v2/", repo, "/manifests/", tag,
        " HTTP/1.1\r\nHost: x\r\nContent-Type: "
        "application/vnd.oci.image.manifest.v1+json\r\nContent-Length: ",
        manifest.size(), "\r\n\r\n", manifest);
    EXPECT_EQ(StatusOf(Answer(put)), 201);
    return manifest;
  }

  int TagStatus(const std::string& repo, const std::string& tag) {
    return StatusOf(Answer(absl::StrCat("GET /v2/", repo, "/manifests/", tag,
                                        " HTTP/1.1\r\nHost: x\r\n"
                                        "Accept: application/vnd.oci.image."
                                        "manifest.v1+json\r\n\r\n")));
  }

  StoragedProcess storaged_;
  GatewayProcess gateway_;
  int port_ = 0;
};

TEST_F(HostileClientTest, SlowHeadersDenyNoOne) {
  Prober prober(port_);
  Flood slowloris(port_, 300, "GET /v2/ HTTP/1.1\r\nHost: x\r\nX-Slow: ",
                  [](int) { return std::string("a"); });
  int closed = slowloris.RunFor(absl::Seconds(5));
  ExpectServed(prober.Stop());
  EXPECT_GT(closed, 0);  // Timed out (408) or beyond the address's limit.
  // A slow head of its own (another address: the flood holds 127.0.0.1's
  // share) gets 408 once the head time is over.
  std::unique_ptr<RawConnection> slow = Connect("127.0.0.3");
  slow->Send("GET /v2/ HTTP/1.1\r\nHost: x\r\n");
  std::string answer;
  EXPECT_TRUE(slow->WaitClosed(absl::Seconds(5), &answer));
  EXPECT_EQ(StatusOf(answer), 408);
}

TEST_F(HostileClientTest, IdleAndKeptAliveConnectionsDenyNoOne) {
  Prober prober(port_);
  Flood idle(port_, 300, "", [](int) { return std::string(); });
  Flood kept(port_, 50, "GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n",
             [](int) { return std::string(); });
  idle.RunFor(absl::Seconds(2));
  kept.RunFor(absl::Seconds(2));
  ExpectServed(prober.Stop());
}

TEST_F(HostileClientTest, HeaderFloodsAreRefusedWith431) {
  Prober prober(port_);
  const int64_t before = ResidentBytes(gateway_.process->pid());
  std::vector<std::thread> senders;
  std::atomic<int> refused{0};
  for (int i = 0; i < 20; ++i) {
    senders.emplace_back([&] {
      absl::StatusOr<std::unique_ptr<RawConnection>> c =
          RawConnection::Open(port_);
      if (!c.ok()) return;
      (*c)->Send("GET /v2/ HTTP/1.1\r\nHost: x\r\n");
      std::string field = "X-Flood-Header-Number: 0123456789abcdefghij\r\n";
      std::string batch;
      for (int k = 0; k < 1000; ++k) batch += field;
      // 400,000 fields (18 MiB); the gateway stops reading at 1 MiB.
      for (int k = 0; k < 400 && (*c)->Send(batch); ++k) {
      }
      std::string answer;
      (*c)->WaitClosed(absl::Seconds(10), &answer);
      if (StatusOf(answer) == 431) ++refused;
    });
  }
  for (std::thread& t : senders) t.join();
  ExpectServed(prober.Stop());
  EXPECT_EQ(refused.load(), 20);
  EXPECT_LT(ResidentBytes(gateway_.process->pid()) - before, 200 << 20);

  std::string many = "GET /v2/ HTTP/1.1\r\nHost: x\r\n";
  for (int k = 0; k < 101; ++k) absl::StrAppend(&many, "X-", k, ": v\r\n");
  std::string answer = Answer(many + "\r\n");
  EXPECT_EQ(StatusOf(answer), 431);
  EXPECT_THAT(answer, HasSubstr("more than 100 header fields"));
}

TEST_F(HostileClientTest, WhatTheParserRefusesIsAnsweredAtOnce) {
  struct {
    std::string request;
    int status;
    std::string says;
  } cases[] = {
      {absl::StrCat("GET /v2/", std::string(9000, 'a'),
                    " HTTP/1.1\r\nHost: x\r\n\r\n"),
       414, "request line is longer"},
      {absl::StrCat("GET /v2/ HTTP/1.1\r\nHost: x\r\nX-Long: ",
                    std::string(9000, 'a'), "\r\n\r\n"),
       431, "header field is longer"},
      {"BREW /v2/ HTTP/1.1\r\nHost: x\r\n\r\n", 405, "BREW is not supported"},
      {"GET /v2/ HTTP/2.0\r\nHost: x\r\n\r\n", 505, "use HTTP/1.1"},
      {"GET /v2/\r\n\r\n", 400, "request line"},
      {"GET /v2/ HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400, "obs-fold"},
      {"GET /v2/ HTTP/1.1\r\nBad Name: x\r\n\r\n", 400, "malformed header"},
  };
  for (const auto& c : cases) {
    std::string answer = Answer(c.request);
    EXPECT_EQ(StatusOf(answer), c.status) << c.request.substr(0, 60);
    EXPECT_THAT(answer, HasSubstr(c.says));
    EXPECT_THAT(answer, HasSubstr("Connection: close"));
  }
}

TEST_F(HostileClientTest, ContentLengthFramingIsNeverAmbiguous) {
  PushTag("edge/app", "keep");
  const std::string smuggled =
      "DELETE /v2/edge/app/manifests/keep HTTP/1.1\r\nHost: x\r\n\r\n";
  struct {
    std::string framing;
    std::string why;
  } cases[] = {
      {"Content-Length: ten\r\n", "not a decimal length"},
      {"Content-Length: 5\r\nContent-Length: 6\r\n", "two different"},
      {"Content-Length: 5, 6\r\n", "two different"},
      {"Content-Length: 18446744073709551617\r\n", "not a decimal length"},
      {"Content-Length: -5\r\n", "not a decimal length"},
      {"Content-Length: +5\r\n", "not a decimal length"},
      {"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "both"},
      {"Transfer-Encoding: gzip, chunked\r\n", "Transfer-Encoding accepted"},
      {"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
       "Transfer-Encoding accepted"},
  };
  for (const auto& c : cases) {
    std::unique_ptr<RawConnection> conn = Connect();
    absl::Time start = absl::Now();
    conn->Send(
        absl::StrCat("POST /v2/edge/app/blobs/uploads/ HTTP/1.1\r\n"
                     "Host: x\r\n",
                     c.framing, "\r\n", smuggled));
    std::string answer;
    EXPECT_TRUE(conn->WaitClosed(absl::Seconds(5), &answer)) << c.framing;
    EXPECT_LT(absl::Now() - start, kServedWithin) << c.framing;
    EXPECT_EQ(StatusOf(answer), 400) << c.framing;
    EXPECT_THAT(answer, HasSubstr(c.why)) << c.framing;
    // Exactly one answer: the smuggled DELETE never ran.
    EXPECT_EQ(answer.find("HTTP/1.1", 1), std::string::npos) << answer;
  }
  EXPECT_EQ(TagStatus("edge/app", "keep"), 200);

  // A negative length stores nothing in the upload.
  std::string started = Answer(
      "POST /v2/edge/app/blobs/uploads/ HTTP/1.1\r\nHost: x\r\n"
      "Content-Length: 0\r\n\r\n");
  ASSERT_EQ(StatusOf(started), 202);
  size_t at = started.find("Location: ");
  ASSERT_NE(at, std::string::npos);
  std::string location =
      started.substr(at + 10, started.find("\r\n", at) - at - 10);
  EXPECT_EQ(StatusOf(Answer(absl::StrCat("PATCH ", location,
                                         " HTTP/1.1\r\nHost: x\r\n"
                                         "Content-Length: -5\r\n\r\nabcde"))),
            400);
  std::string status =
      Answer(absl::StrCat("GET ", location, " HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(StatusOf(status), 204);
  EXPECT_THAT(status, HasSubstr("Range: 0-0"));

  // Neither Content-Length nor chunked: an empty body, answered at once.
  std::string empty =
      Answer("POST /v2/edge/app/blobs/uploads/ HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(StatusOf(empty), 202);
}

TEST_F(HostileClientTest, PipelinedRequestsAreAnsweredInOrder) {
  std::unique_ptr<RawConnection> c = Connect();
  std::string digest = DigestOf("abc").ToString();
  c->Send(absl::StrCat("GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n",
                       "POST /v2/pipe/line/blobs/uploads/?digest=", digest,
                       " HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
                       "GET /v2/pipe/line/blobs/", digest,
                       " HTTP/1.1\r\nHost: x\r\n\r\n",
                       "GET /v2/_catalog HTTP/1.1\r\nHost: x\r\n\r\n"));
  absl::Time start = absl::Now();
  std::string first = c->ReadResponse(absl::Seconds(5));
  std::string second = c->ReadResponse(absl::Seconds(5));
  std::string third = c->ReadResponse(absl::Seconds(5));
  std::string fourth = c->ReadResponse(absl::Seconds(5));
  EXPECT_LT(absl::Now() - start, kServedWithin);
  EXPECT_EQ(StatusOf(first), 200);
  EXPECT_EQ(StatusOf(second), 201);
  EXPECT_EQ(StatusOf(third), 200);
  EXPECT_THAT(third, ::testing::EndsWith("\r\n\r\nabc"));
  EXPECT_EQ(StatusOf(fourth), 200);
  EXPECT_THAT(fourth, HasSubstr("{\"repositories\":"));
}

TEST_F(HostileClientTest, SlowBodiesDenyNoOne) {
  std::string started = Answer(
      "POST /v2/slow/body/blobs/uploads/ HTTP/1.1\r\nHost: x\r\n"
      "Content-Length: 0\r\n\r\n");
  size_t at = started.find("Location: ");
  ASSERT_NE(at, std::string::npos);
  std::string location =
      started.substr(at + 10, started.find("\r\n", at) - at - 10);
  Prober prober(port_);
  // Each connection declares a 1 MiB PATCH body and sends a byte a tick.
  // 300 of them would hold more than the 256 workers if one address could
  // open that many connections.
  Flood slow(port_, 300,
             absl::StrCat("PATCH ", location,
                          " HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576"
                          "\r\n\r\n"),
             [](int) { return std::string("x"); });
  slow.RunFor(absl::Seconds(4));
  ExpectServed(prober.Stop());
}

TEST_F(HostileClientTest, HalfClosedConnectionsStillGetTheirAnswer) {
  std::unique_ptr<RawConnection> c = Connect();
  c->Send("GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n");
  c->ShutdownWrite();
  std::string answer;
  EXPECT_TRUE(c->WaitClosed(absl::Seconds(5), &answer));
  EXPECT_EQ(StatusOf(answer), 200);
  // Half a head, then the client stops sending: closed, nothing served.
  std::unique_ptr<RawConnection> half = Connect();
  half->Send("GET /v2/ HTTP/1.1\r\nHo");
  half->ShutdownWrite();
  answer.clear();
  EXPECT_TRUE(half->WaitClosed(absl::Seconds(5), &answer));
  EXPECT_EQ(answer.find("200 OK"), std::string::npos);
}

TEST_F(HostileClientTest, TenThousandConnectionsOpenedAndDroppedLeakNothing) {
  const int pid = gateway_.process->pid();
  const int descriptors = OpenDescriptors(pid);
  Prober prober(port_);
  for (int i = 0; i < 10000; ++i) {
    absl::StatusOr<std::unique_ptr<RawConnection>> c =
        RawConnection::Open(port_);
    ASSERT_OK(c);
    if (i % 3 == 1) (*c)->Send("GET /v2/ HTT");  // Dropped mid-head.
    if (i % 3 == 2) (*c)->Send("GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n");
  }
  ExpectServed(prober.Stop());
  EXPECT_OK(WaitFor([&] { return OpenDescriptors(pid) <= descriptors + 2; },
                    absl::Seconds(10)))
      << OpenDescriptors(pid) << " descriptors open, " << descriptors
      << " before";
}

TEST_F(HostileClientTest, OneAddressCannotTakeEveryConnection) {
  std::vector<std::unique_ptr<RawConnection>> mine;
  for (int i = 0; i < 128; ++i) mine.push_back(Connect());
  // The 129th from the same address is refused at once.
  std::unique_ptr<RawConnection> extra = Connect();
  std::string answer;
  EXPECT_TRUE(extra->WaitClosed(absl::Seconds(2), &answer));
  EXPECT_EQ(StatusOf(answer), 503);
  // Another address is served.
  EXPECT_EQ(
      StatusOf(Answer("GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n", "127.0.0.2")),
      200);
}

}  // namespace
}  // namespace registry::testing
