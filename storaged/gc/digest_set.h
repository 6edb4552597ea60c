// A set of SHA-256 digests kept as their 32 raw bytes: a collection's mark
// of a million blobs costs about 40 MB. Thread-compatible.
#ifndef REGISTRY_STORAGED_GC_DIGEST_SET_H_
#define REGISTRY_STORAGED_GC_DIGEST_SET_H_

#include <array>
#include <cstdint>
#include <cstring>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "common/digest.h"

namespace registry::gc {

using RawDigest = std::array<uint8_t, 32>;

// The raw bytes of a digest's 64 hex digits.
RawDigest RawOf(const Digest& digest);
// The raw bytes of 64 hex digits; false when `hex` is not that.
bool RawOfHex(absl::string_view hex, RawDigest* out);

class DigestSet {
 public:
  void Insert(const Digest& digest) { set_.insert(RawOf(digest)); }
  void Insert(const RawDigest& raw) { set_.insert(raw); }
  bool Contains(const RawDigest& raw) const { return set_.contains(raw); }
  bool Contains(const Digest& digest) const { return Contains(RawOf(digest)); }
  size_t size() const { return set_.size(); }

 private:
  // SHA-256 output is uniform: its first 8 bytes are a hash already.
  struct Hash {
    size_t operator()(const RawDigest& raw) const {
      uint64_t h;
      std::memcpy(&h, raw.data(), sizeof(h));
      return static_cast<size_t>(h);
    }
  };
  absl::flat_hash_set<RawDigest, Hash> set_;
};

}  // namespace registry::gc

#endif  // REGISTRY_STORAGED_GC_DIGEST_SET_H_
