#include "common/digest.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/sha256.h"

namespace registry {
namespace {

constexpr absl::string_view kSha256Prefix = "sha256:";
constexpr size_t kSha256HexLength = 64;

bool IsLowerHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

}  // namespace

absl::StatusOr<Digest> Digest::Parse(absl::string_view text) {
  auto invalid = [&](absl::string_view why) {
    return Error(
        absl::StatusCode::kInvalidArgument, v1::DIGEST_INVALID,
        absl::StrCat("invalid digest \"", Printable(text, 100), "\": ", why),
        Printable(text, 100));
  };
  size_t colon = text.find(':');
  if (colon == absl::string_view::npos) {
    return invalid("expected <algorithm>:<hex>");
  }
  if (text.substr(0, colon + 1) != kSha256Prefix) {
    return invalid("only sha256 is supported");
  }
  absl::string_view hex = text.substr(kSha256Prefix.size());
  if (hex.size() != kSha256HexLength) {
    return invalid("sha256 needs 64 hex characters");
  }
  for (char c : hex) {
    if (!IsLowerHex(c)) return invalid("sha256 needs lowercase hex");
  }
  return Digest("sha256", std::string(hex));
}

Digest Digest::FromSha256(const unsigned char raw[32]) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(kSha256HexLength, '0');
  for (size_t i = 0; i < 32; ++i) {
    hex[2 * i] = kHex[raw[i] >> 4];
    hex[2 * i + 1] = kHex[raw[i] & 0xf];
  }
  return Digest("sha256", std::move(hex));
}

Digest DigestOf(absl::string_view content) {
  Sha256Hasher hasher;
  hasher.Update(content);
  return hasher.Finish();
}

}  // namespace registry
