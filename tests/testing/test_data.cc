#include "tests/testing/test_data.h"

#include <cstring>

namespace registry::testing {

std::string Chunk(uint64_t index, size_t size) {
  std::string out(size, '\0');
  uint64_t x = index * 0x9E3779B97F4A7C15ull + 1;
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    x += 0x9E3779B97F4A7C15ull;  // splitmix64
    uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    std::memcpy(&out[i], &z, 8);
  }
  for (; i < size; ++i) out[i] = static_cast<char>(index + i);
  return out;
}

}  // namespace registry::testing
