#include "bench/blob_source.h"

#include <algorithm>
#include <cstring>

#include "common/sha256.h"

namespace registry::bench {
namespace {

constexpr size_t kPattern = 4 << 20;
constexpr size_t kPrefix = 32;

const std::string& Pattern() {
  static const std::string* pattern = [] {
    auto* p = new std::string(kPattern, '\0');
    uint64_t x = 0x2545F4914F6CDD1Dull;
    for (size_t i = 0; i + 8 <= p->size(); i += 8) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      std::memcpy(&(*p)[i], &x, 8);
    }
    return p;
  }();
  return *pattern;
}

}  // namespace

BlobSource::BlobSource(uint64_t id, int64_t size) : size_(size) {
  prefix_.assign(kPrefix, '\0');
  uint64_t stamp = id * 0x9E3779B97F4A7C15ull + 0x1234567;
  for (size_t i = 0; i < kPrefix; i += 8) {
    stamp = stamp * 6364136223846793005ull + 1442695040888963407ull;
    std::memcpy(&prefix_[i], &stamp, 8);
  }
  Sha256Hasher hasher;
  std::string buf(1 << 20, '\0');
  for (int64_t done = 0; done < size_;) {
    size_t n = static_cast<size_t>(std::min<int64_t>(buf.size(), size_ - done));
    Read(done, buf.data(), n);
    hasher.Update(absl::string_view(buf.data(), n));
    done += static_cast<int64_t>(n);
  }
  digest_ = hasher.Finish().ToString();
}

void BlobSource::Read(int64_t offset, char* out, size_t n) const {
  const std::string& pattern = Pattern();
  while (n > 0) {
    size_t take;
    if (offset < static_cast<int64_t>(kPrefix)) {
      take = std::min(n, kPrefix - static_cast<size_t>(offset));
      std::memcpy(out, prefix_.data() + offset, take);
    } else {
      size_t at = static_cast<size_t>(offset) % kPattern;
      take = std::min(n, kPattern - at);
      std::memcpy(out, pattern.data() + at, take);
    }
    out += take;
    offset += static_cast<int64_t>(take);
    n -= take;
  }
}

}  // namespace registry::bench
