// The request-head parser and the body tracker: limits, framing, and the
// rewrite to one canonical Content-Length.
#include "gateway/edge/head_parser.h"

#include <string>

#include "gateway/edge/body_tracker.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace registry::gateway {
namespace {

using State = RequestHead::State;
using ::testing::HasSubstr;

RequestHead Parse(const std::string& text, HeadLimits limits = {}) {
  return ParseRequestHead(text, limits);
}

TEST(HeadParserTest, CompleteHeadsAndWhatFollowsThem) {
  std::string text = "GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\nNEXT";
  RequestHead head = Parse(text);
  ASSERT_EQ(head.state, State::kComplete);
  EXPECT_EQ(head.method, "GET");
  EXPECT_EQ(head.target, "/v2/");
  EXPECT_EQ(head.size, text.size() - 4);
  EXPECT_EQ(head.content_length, 0);
  EXPECT_TRUE(head.rewritten.empty());
  for (size_t cut = 0; cut < text.size() - 4; ++cut) {
    EXPECT_EQ(Parse(text.substr(0, cut)).state, State::kIncomplete) << cut;
  }
}

TEST(HeadParserTest, BodiesAreFramedOneWayOnly) {
  RequestHead length = Parse("PUT /a HTTP/1.1\r\nContent-Length: 12\r\n\r\n");
  EXPECT_EQ(length.content_length, 12);
  EXPECT_TRUE(length.rewritten.empty());
  RequestHead chunked =
      Parse("PATCH /a HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n");
  EXPECT_TRUE(chunked.chunked);
  EXPECT_EQ(chunked.content_length, -1);
  RequestHead same = Parse(
      "PUT /a HTTP/1.1\r\nContent-Length: 3\r\nX: y\r\n"
      "content-length: 3, 3\r\n\r\n");
  ASSERT_EQ(same.state, State::kComplete);
  EXPECT_EQ(same.rewritten,
            "PUT /a HTTP/1.1\r\nX: y\r\nContent-Length: 3\r\n\r\n");
  RequestHead none = Parse("POST /a HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(none.content_length, 0);
  EXPECT_EQ(none.rewritten,
            "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  for (const char* bad :
       {"Content-Length: ten", "Content-Length: -1", "Content-Length: 1e3",
        "Content-Length: 0x10", "Content-Length:", "Content-Length: 1 2",
        "Content-Length: 1000000000000000000", "Content-Length: 1, 2",
        "Content-Length: 1\r\nContent-Length: 2",
        "Content-Length: 1\r\nTransfer-Encoding: chunked",
        "Transfer-Encoding: gzip", "Transfer-Encoding: chunked, chunked",
        "Transfer-Encoding: identity"}) {
    RequestHead head =
        Parse(std::string("POST /a HTTP/1.1\r\n") + bad + "\r\n\r\n");
    EXPECT_EQ(head.state, State::kRefused) << bad;
    EXPECT_EQ(head.refusal, HttpRefusal::kMalformed) << bad;
  }
  EXPECT_EQ(
      Parse("POST /a HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n").state,
      State::kRefused);
}

TEST(HeadParserTest, LimitsAreRefusedWithTheirStatus) {
  HeadLimits limits;
  limits.max_line_bytes = 64;
  limits.max_head_bytes = 256;
  limits.max_fields = 3;
  EXPECT_EQ(Parse("GET /" + std::string(100, 'a'), limits).refusal,
            HttpRefusal::kUriTooLong);
  EXPECT_EQ(
      Parse("GET / HTTP/1.1\r\nX: " + std::string(100, 'a'), limits).refusal,
      HttpRefusal::kHeadersTooLarge);
  RequestHead many =
      Parse("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n", limits);
  EXPECT_EQ(many.refusal, HttpRefusal::kHeadersTooLarge);
  EXPECT_THAT(many.message, HasSubstr("more than 3"));
  std::string big = "GET / HTTP/1.1\r\n";
  while (big.size() < 300) big += "X: 0123456789012345678901234567890\r\n";
  limits.max_fields = 100;
  EXPECT_EQ(Parse(big, limits).refusal, HttpRefusal::kHeadersTooLarge);
}

TEST(HeadParserTest, MalformedRequestLinesAndFields) {
  EXPECT_EQ(Parse("BREW / HTTP/1.1\r\n\r\n").refusal, HttpRefusal::kMethod);
  EXPECT_EQ(Parse("GET / HTTP/2.0\r\n\r\n").refusal, HttpRefusal::kVersion);
  for (const char* bad :
       {"GET /\r\n\r\n", "GET  / HTTP/1.1\r\n\r\n", "GET a HTTP/1.1\r\n\r\n",
        "GET /a b HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\n folded\r\n\r\n",
        "GET / HTTP/1.1\r\nNo Colon\r\n\r\n", "GET / HTTP/1.1\r\n: v\r\n\r\n",
        "GET / HTTP/1.1\r\nX : v\r\n\r\n",
        "GET / HTTP/1.1\r\nX: a\x01z\r\n\r\n", "GET /\x7f HTTP/1.1\r\n\r\n",
        "GET / ICY/1.1\r\n\r\n"}) {
    EXPECT_EQ(Parse(bad).state, State::kRefused) << bad;
  }
  RequestHead leading = Parse("\r\nGET / HTTP/1.1\r\n\r\n");
  ASSERT_EQ(leading.state, State::kComplete);
  EXPECT_EQ(leading.rewritten, "GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
}

TEST(BodyTrackerTest, LengthsAndChunks) {
  BodyTracker empty(0);
  EXPECT_TRUE(empty.done());
  BodyTracker length(5);
  length.Feed("abc");
  EXPECT_FALSE(length.done());
  length.Feed("deNEXT");
  EXPECT_TRUE(length.done());

  const std::string chunked =
      "3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nT: v\r\n\r\n";
  for (size_t split = 0; split <= chunked.size(); ++split) {
    BodyTracker t(-1);
    t.Feed(chunked.substr(0, split));
    if (split < chunked.size()) EXPECT_FALSE(t.done()) << split;
    t.Feed(chunked.substr(split));
    EXPECT_TRUE(t.done()) << split;
  }
  for (const char* bad : {"x\r\n", "3\r\nabcX", "\r\n", "3\nabc\r\n"}) {
    BodyTracker t(-1);
    t.Feed(bad);
    EXPECT_TRUE(t.broken()) << bad;
    EXPECT_FALSE(t.done()) << bad;
  }
  BodyTracker huge(-1);
  huge.Feed("ffffffffffffffffff\r\n");
  EXPECT_TRUE(huge.broken());
}

}  // namespace
}  // namespace registry::gateway
