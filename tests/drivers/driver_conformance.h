// The conformance suite every StorageDriver runs (after Distribution's
// driver/testsuites). A driver's test instantiates it in one line:
//   INSTANTIATE_TEST_SUITE_P(Fs, DriverConformanceTest, Values(MakeFs()));
#ifndef REGISTRY_TESTS_DRIVERS_DRIVER_CONFORMANCE_H_
#define REGISTRY_TESTS_DRIVERS_DRIVER_CONFORMANCE_H_

#include <functional>
#include <string>

#include "drivers/driver.h"
#include "gtest/gtest.h"

namespace registry::testing {

struct DriverUnderTest {
  std::string name;
  // A driver on a fresh, empty store.
  std::function<drivers::StorageDriverPtr()> make;
  // A second driver on the same store as the last one `make` returned (as
  // another process would open it).
  std::function<drivers::StorageDriverPtr()> make_sibling;
  // Size of the large-object test.
  int64_t large_object_bytes = 64 << 20;
  // Whether to assert the test process's memory stays bounded while
  // streaming the large object (not for drivers that store in memory).
  bool bounded_memory = false;
  // Whether a deleted directory disappears in one step (then a lock waiter
  // in it always gets NotFound); object stores delete key by key.
  bool directories_vanish_at_once = true;
};

class DriverConformanceTest : public ::testing::TestWithParam<DriverUnderTest> {
 protected:
  void SetUp() override;
  // Checks that the test left the store empty, like Distribution's suite.
  void TearDown() override;

  drivers::StorageDriverPtr driver_;
};

// For INSTANTIATE_TEST_SUITE_P's name generator.
std::string DriverName(const ::testing::TestParamInfo<DriverUnderTest>& info);

}  // namespace registry::testing

#endif  // REGISTRY_TESTS_DRIVERS_DRIVER_CONFORMANCE_H_
