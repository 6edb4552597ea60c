#include "common/digest.h"

#include <string>

#include "common/errors.h"
#include "common/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace registry {
namespace {

using testing::StatusIs;

constexpr char kEmpty[] =
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(DigestTest, ParsesSha256) {
  absl::StatusOr<Digest> digest = Digest::Parse(kEmpty);
  ASSERT_OK(digest);
  EXPECT_EQ(digest->algorithm(), "sha256");
  EXPECT_EQ(digest->ToString(), kEmpty);
}

TEST(DigestTest, RejectsMalformedDigests) {
  const char* bad[] = {
      "",
      "sha256",
      "sha256:",
      "sha256:e3b0",
      "md5:d41d8cd98f00b204e9800998ecf8427e",
      "sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "SHA256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
      "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85g",
      "sha256:"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855a",
  };
  for (const char* text : bad) {
    absl::StatusOr<Digest> digest = Digest::Parse(text);
    EXPECT_THAT(digest, StatusIs(absl::StatusCode::kInvalidArgument)) << text;
    EXPECT_EQ(ReasonOf(digest.status()), v1::DIGEST_INVALID) << text;
  }
}

TEST(DigestTest, DigestOfKnownVectors) {
  EXPECT_EQ(DigestOf("").ToString(), kEmpty);
  EXPECT_EQ(DigestOf("abc").ToString(),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20"
            "015ad");
}

TEST(Sha256HasherTest, SavedStateResumesAtEveryBlockBoundaryCase) {
  std::string data(1000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  Digest whole = DigestOf(data);
  for (size_t split : {0, 1, 55, 56, 63, 64, 65, 127, 128, 500, 999, 1000}) {
    Sha256Hasher first;
    first.Update(absl::string_view(data).substr(0, split));
    std::string state = first.SaveState();
    ASSERT_EQ(state.size(), 108u);
    absl::StatusOr<Sha256Hasher> resumed = Sha256Hasher::FromState(state);
    ASSERT_OK(resumed);
    EXPECT_EQ(resumed->bytes(), split);
    resumed->Update(absl::string_view(data).substr(split));
    EXPECT_EQ(resumed->Finish(), whole) << "split at " << split;
  }
}

TEST(Sha256HasherTest, StateIsGoMarshalFormat) {
  // Go's crypto/sha256 MarshalBinary: "sha\x03", h[0..7] big-endian, the
  // 64-byte block buffer (zero padded), then the length big-endian.
  Sha256Hasher hasher;
  hasher.Update("abc");
  std::string state = hasher.SaveState();
  EXPECT_EQ(state.substr(0, 4), std::string("sha\x03", 4));
  // Initial h[0] of SHA-256 is 0x6a09e667 (no full block hashed yet).
  EXPECT_EQ(state.substr(4, 4), std::string("\x6a\x09\xe6\x67", 4));
  EXPECT_EQ(state.substr(36, 3), "abc");
  EXPECT_EQ(state.substr(39, 61), std::string(61, '\0'));
  EXPECT_EQ(state.substr(100), std::string("\0\0\0\0\0\0\0\x03", 8));
}

TEST(Sha256HasherTest, RejectsMalformedState) {
  EXPECT_THAT(Sha256Hasher::FromState("short"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  std::string state = Sha256Hasher().SaveState();
  state[0] = 'x';
  EXPECT_THAT(Sha256Hasher::FromState(state),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace registry
