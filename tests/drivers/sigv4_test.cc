// SigV4 against the worked examples of AWS's S3 documentation
// ("Signature Calculations for the Authorization Header" and
// "Authenticating Requests: Using Query Parameters").
#include "drivers/s3/sigv4.h"

#include "absl/time/civil_time.h"
#include "gtest/gtest.h"

namespace registry::drivers::s3 {
namespace {

const Credentials kExample = {"AKIAIOSFODNN7EXAMPLE",
                              "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};

absl::Time ExampleTime() {
  return absl::FromCivil(absl::CivilSecond(2013, 5, 24, 0, 0, 0),
                         absl::UTCTimeZone());
}

TEST(SigV4Test, GetObjectWithRangeMatchesTheDocumentedSignature) {
  RequestToSign request;
  request.method = "GET";
  request.encoded_path = "/test.txt";
  request.payload_hash = HexSha256("");
  request.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                     {"Range", "bytes=0-9"},
                     {"x-amz-content-sha256", request.payload_hash},
                     {"x-amz-date", AmzDate(ExampleTime())}};
  EXPECT_EQ(Authorization(request, kExample, "us-east-1", ExampleTime()),
            "AWS4-HMAC-SHA256 "
            "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
            "aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-"
            "date,Signature="
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4Test, PresignedGetMatchesTheDocumentedSignature) {
  std::string query =
      PresignedGetQuery("/test.txt", "examplebucket.s3.amazonaws.com", kExample,
                        "us-east-1", ExampleTime(), absl::Hours(24));
  EXPECT_NE(query.find("X-Amz-Expires=86400"), std::string::npos);
  EXPECT_NE(
      query.find("X-Amz-Signature="
                 "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751"
                 "f604d404"),
      std::string::npos)
      << query;
}

TEST(SigV4Test, EncodingAndCanonicalQuery) {
  EXPECT_EQ(UriEncode("a b/c~d+e", true), "a%20b/c~d%2Be");
  EXPECT_EQ(UriEncode("a/b", false), "a%2Fb");
  EXPECT_EQ(
      CanonicalQuery({{"uploads", ""}, {"prefix", "a/b"}, {"list-type", "2"}}),
      "list-type=2&prefix=a%2Fb&uploads=");
}

}  // namespace
}  // namespace registry::drivers::s3
