#include "gateway/http_util.h"

#include "common/errors.h"
#include "gtest/gtest.h"

namespace registry::gateway {
namespace {

TEST(ParseRangeTest, SatisfiableRanges) {
  struct {
    const char* header;
    int64_t offset, length;
  } cases[] = {
      {"bytes=0-3", 0, 4},  {"bytes=5-", 5, 5},    {"bytes=-3", 7, 3},
      {"bytes=-30", 0, 10}, {"bytes=8-100", 8, 2}, {"bytes=9-9", 9, 1},
  };
  for (const auto& c : cases) {
    auto range = ParseRange(c.header, 10);
    ASSERT_TRUE(range.ok()) << c.header << ": " << range.status();
    ASSERT_TRUE(range->has_value()) << c.header;
    EXPECT_EQ((*range)->offset, c.offset) << c.header;
    EXPECT_EQ((*range)->length, c.length) << c.header;
  }
  EXPECT_FALSE(ParseRange("", 10)->has_value());
}

TEST(ParseRangeTest, UnsatisfiableOrMalformed) {
  for (const char* header :
       {"bytes=10-", "bytes=4-2", "bytes=0-1,3-4", "items=0-1",
        "bytes=", "bytes=-0", "bytes=a-b", "bytes=-", "bytes=+1-2"}) {
    auto range = ParseRange(header, 10);
    EXPECT_FALSE(range.ok()) << header;
    EXPECT_EQ(ReasonOf(range.status()), v1::RANGE_INVALID) << header;
    EXPECT_EQ(SubjectOf(range.status()), "10") << header;
  }
  EXPECT_FALSE(ParseRange("bytes=-5", 0).ok());
}

TEST(ParseContentRangeTest, DockerAndRfcForms) {
  auto docker = ParseContentRange("5-9");
  ASSERT_TRUE(docker.ok());
  EXPECT_EQ((*docker)->offset, 5);
  EXPECT_EQ((*docker)->length, 5);
  auto rfc = ParseContentRange("bytes 0-99/*");
  ASSERT_TRUE(rfc.ok());
  EXPECT_EQ((*rfc)->length, 100);
  for (const char* bad : {"9-5", "a-b", "5", "-5", "5-"}) {
    EXPECT_EQ(ReasonOf(ParseContentRange(bad).status()), v1::RANGE_INVALID)
        << bad;
  }
}

TEST(HttpUtilTest, UploadRangeAndEscaping) {
  EXPECT_EQ(UploadRangeHeader(0), "0-0");
  EXPECT_EQ(UploadRangeHeader(1), "0-0");
  EXPECT_EQ(UploadRangeHeader(10), "0-9");
  EXPECT_EQ(QueryEscape("library/ubuntu"), "library%2Fubuntu");
  EXPECT_EQ(QueryEscape("a-b_c.d~e"), "a-b_c.d~e");
  EXPECT_EQ(QueryEscape("a b&c"), "a%20b%26c");
}

}  // namespace
}  // namespace registry::gateway
