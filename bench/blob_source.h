// Benchmark blob contents: distinct blobs of any size without holding them
// in memory. Byte i of a blob is prefix[i] for the first 32 bytes (unique
// per blob) and then a shared pseudo-random pattern. Thread-safe.
#ifndef REGISTRY_BENCH_BLOB_SOURCE_H_
#define REGISTRY_BENCH_BLOB_SOURCE_H_

#include <cstdint>
#include <memory>
#include <string>

namespace registry::bench {

class BlobSource {
 public:
  // A blob of `size` bytes, distinct for each `id`.
  BlobSource(uint64_t id, int64_t size);

  int64_t size() const { return size_; }
  // "sha256:..." (computed once, on construction).
  const std::string& digest() const { return digest_; }
  // Copies bytes [offset, offset + n) into `out`.
  void Read(int64_t offset, char* out, size_t n) const;

 private:
  std::string prefix_;
  int64_t size_;
  std::string digest_;
};

}  // namespace registry::bench

#endif  // REGISTRY_BENCH_BLOB_SOURCE_H_
