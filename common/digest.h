// Content digests ("sha256:<64 lowercase hex>"), parsed once and passed
// around as values. Thread-compatible value type.
#ifndef REGISTRY_COMMON_DIGEST_H_
#define REGISTRY_COMMON_DIGEST_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace registry {

class Digest {
 public:
  // Parses "sha256:<64 lowercase hex>". Fails with InvalidArgument
  // (DIGEST_INVALID) for anything else, including other algorithms.
  static absl::StatusOr<Digest> Parse(absl::string_view text);

  // The digest of a finished SHA-256 (32 raw bytes).
  static Digest FromSha256(const unsigned char raw[32]);

  // "sha256".
  const std::string& algorithm() const { return algorithm_; }
  // The 64 hex characters.
  const std::string& hex() const { return hex_; }
  // "sha256:<hex>".
  std::string ToString() const { return algorithm_ + ":" + hex_; }

  friend bool operator==(const Digest& a, const Digest& b) {
    return a.algorithm_ == b.algorithm_ && a.hex_ == b.hex_;
  }
  friend bool operator!=(const Digest& a, const Digest& b) { return !(a == b); }
  friend bool operator<(const Digest& a, const Digest& b) {
    return a.ToString() < b.ToString();
  }

 private:
  Digest(std::string algorithm, std::string hex)
      : algorithm_(std::move(algorithm)), hex_(std::move(hex)) {}

  std::string algorithm_;
  std::string hex_;
};

// The SHA-256 digest of `content`.
Digest DigestOf(absl::string_view content);

}  // namespace registry

#endif  // REGISTRY_COMMON_DIGEST_H_
