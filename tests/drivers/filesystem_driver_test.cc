#include "drivers/filesystem/filesystem_driver.h"

#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/drivers/driver_conformance.h"

namespace registry::testing {
namespace {

std::string& CurrentRoot() {
  static std::string* root = new std::string;
  return *root;
}

drivers::StorageDriverPtr OpenRoot(const std::string& root) {
  auto driver = drivers::FilesystemDriver::Open(root);
  if (!driver.ok()) return nullptr;
  return std::move(*driver);
}

DriverUnderTest Filesystem() {
  DriverUnderTest d;
  d.name = "Filesystem";
  d.make = [] {
    static int counter = 0;
    const char* tmp = std::getenv("TEST_TMPDIR");
    CurrentRoot() = absl::StrCat(tmp ? tmp : "/tmp", "/fs-root-", ++counter);
    return OpenRoot(CurrentRoot());
  };
  d.make_sibling = [] { return OpenRoot(CurrentRoot()); };
  d.large_object_bytes = int64_t{1} << 30;
  d.bounded_memory = true;
  return d;
}

INSTANTIATE_TEST_SUITE_P(Filesystem, DriverConformanceTest,
                         ::testing::Values(Filesystem()), DriverName);

}  // namespace
}  // namespace registry::testing
