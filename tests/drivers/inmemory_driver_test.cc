#include "drivers/inmemory/inmemory_driver.h"

#include <memory>

#include "tests/drivers/driver_conformance.h"

namespace registry::testing {
namespace {

// An in-memory store lives in one driver object, so the "second driver on
// the same store" is a non-owning forwarder to the driver `make` returned.
drivers::InMemoryDriver* g_current = nullptr;

class SharedInMemory final : public drivers::StorageDriver {
 public:
  explicit SharedInMemory(drivers::StorageDriver* target) : t_(target) {}
  absl::string_view Name() const override { return t_->Name(); }
  absl::StatusOr<std::string> GetContent(absl::string_view p) override {
    return t_->GetContent(p);
  }
  absl::Status PutContent(absl::string_view p, absl::string_view c) override {
    return t_->PutContent(p, c);
  }
  absl::StatusOr<drivers::FileReaderPtr> Reader(absl::string_view p,
                                                int64_t o) override {
    return t_->Reader(p, o);
  }
  absl::StatusOr<drivers::FileWriterPtr> Writer(absl::string_view p,
                                                bool a) override {
    return t_->Writer(p, a);
  }
  absl::StatusOr<drivers::FileInfo> Stat(absl::string_view p) override {
    return t_->Stat(p);
  }
  absl::StatusOr<std::vector<std::string>> List(absl::string_view p) override {
    return t_->List(p);
  }
  absl::Status Move(absl::string_view s, absl::string_view d) override {
    return t_->Move(s, d);
  }
  absl::Status Delete(absl::string_view p) override { return t_->Delete(p); }
  absl::Status Walk(absl::string_view p, const drivers::WalkFn& f) override {
    return t_->Walk(p, f);
  }
  absl::StatusOr<drivers::PathLockPtr> Lock(absl::string_view p,
                                            absl::Duration w) override {
    return t_->Lock(p, w);
  }

 private:
  drivers::StorageDriver* t_;
};

DriverUnderTest InMemory() {
  DriverUnderTest d;
  d.name = "InMemory";
  d.make = [] {
    auto driver = std::make_unique<drivers::InMemoryDriver>();
    g_current = driver.get();
    return drivers::StorageDriverPtr(std::move(driver));
  };
  d.make_sibling = [] {
    return drivers::StorageDriverPtr(new SharedInMemory(g_current));
  };
  d.large_object_bytes = 64 << 20;
  return d;
}

INSTANTIATE_TEST_SUITE_P(InMemory, DriverConformanceTest,
                         ::testing::Values(InMemory()), DriverName);

}  // namespace
}  // namespace registry::testing
