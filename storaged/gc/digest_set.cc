#include "storaged/gc/digest_set.h"

namespace registry::gc {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

bool RawOfHex(absl::string_view hex, RawDigest* out) {
  if (hex.size() != 64) return false;
  for (size_t i = 0; i < 32; ++i) {
    int high = HexValue(hex[2 * i]);
    int low = HexValue(hex[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    (*out)[i] = static_cast<uint8_t>(high << 4 | low);
  }
  return true;
}

RawDigest RawOf(const Digest& digest) {
  RawDigest raw{};
  RawOfHex(digest.hex(), &raw);  // A parsed digest always has 64 hex digits.
  return raw;
}

}  // namespace registry::gc
