// Deterministic pseudo-random test bytes, cheap to regenerate so large
// streams never need to sit in memory.
#ifndef REGISTRY_TESTS_TESTING_TEST_DATA_H_
#define REGISTRY_TESTS_TESTING_TEST_DATA_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace registry::testing {

// Chunk `index` (of `size` bytes) of a stream; different indexes differ.
std::string Chunk(uint64_t index, size_t size);

}  // namespace registry::testing

#endif  // REGISTRY_TESTS_TESTING_TEST_DATA_H_
