#include "drivers/metered_driver.h"

#include <string>
#include <utility>

#include "absl/time/clock.h"
#include "common/metrics.h"

namespace registry::drivers {
namespace {

constexpr char kOps[] = "registry_driver_operations_total";
constexpr char kSeconds[] = "registry_driver_operation_seconds";

class MeteredDriver final : public StorageDriver {
 public:
  explicit MeteredDriver(StorageDriverPtr driver)
      : driver_(std::move(driver)), name_(driver_->Name()) {}

  absl::string_view Name() const override { return driver_->Name(); }

  absl::StatusOr<std::string> GetContent(absl::string_view path) override {
    return Meter("get_content", [&] { return driver_->GetContent(path); });
  }
  absl::Status PutContent(absl::string_view path,
                          absl::string_view content) override {
    return Meter("put_content",
                 [&] { return driver_->PutContent(path, content); });
  }
  absl::Status PutContentVolatile(absl::string_view path,
                                  absl::string_view content) override {
    return Meter("put_content_volatile",
                 [&] { return driver_->PutContentVolatile(path, content); });
  }
  absl::StatusOr<FileReaderPtr> Reader(absl::string_view path,
                                       int64_t offset) override {
    return Meter("reader", [&] { return driver_->Reader(path, offset); });
  }
  absl::StatusOr<FileWriterPtr> Writer(absl::string_view path,
                                       bool append) override {
    return Meter("writer", [&] { return driver_->Writer(path, append); });
  }
  absl::StatusOr<FileInfo> Stat(absl::string_view path) override {
    return Meter("stat", [&] { return driver_->Stat(path); });
  }
  absl::StatusOr<std::vector<std::string>> List(
      absl::string_view path) override {
    return Meter("list", [&] { return driver_->List(path); });
  }
  absl::Status Move(absl::string_view src, absl::string_view dst) override {
    return Meter("move", [&] { return driver_->Move(src, dst); });
  }
  absl::Status Delete(absl::string_view path) override {
    return Meter("delete", [&] { return driver_->Delete(path); });
  }
  bool BatchedListing() const override { return driver_->BatchedListing(); }
  absl::Status DeleteFiles(const std::vector<std::string>& paths) override {
    return Meter("delete_files", [&] { return driver_->DeleteFiles(paths); });
  }
  absl::Status Walk(absl::string_view path, const WalkFn& fn) override {
    return Meter("walk", [&] { return driver_->Walk(path, fn); });
  }
  absl::StatusOr<PathLockPtr> Lock(absl::string_view path,
                                   absl::Duration wait) override {
    return Meter("lock", [&] { return driver_->Lock(path, wait); });
  }
  absl::StatusOr<std::string> URLFor(absl::string_view path,
                                     absl::Time expiry) override {
    return Meter("url_for", [&] { return driver_->URLFor(path, expiry); });
  }

 private:
  static const absl::Status& StatusOf(const absl::Status& status) {
    return status;
  }
  template <typename T>
  static const absl::Status& StatusOf(const absl::StatusOr<T>& result) {
    return result.status();
  }

  template <typename Fn>
  auto Meter(const char* op, Fn&& call) -> decltype(call()) {
    absl::Time start = absl::Now();
    auto result = call();
    const absl::Status& status = StatusOf(result);
    const char* outcome = status.ok()                ? "ok"
                          : absl::IsNotFound(status) ? "not_found"
                                                     : "error";
    Metrics& metrics = Metrics::Global();
    metrics.Add(kOps, {{"driver", name_}, {"op", op}, {"result", outcome}}, 1);
    metrics.Observe(kSeconds, {{"driver", name_}, {"op", op}},
                    absl::ToDoubleSeconds(absl::Now() - start));
    return result;
  }

  const StorageDriverPtr driver_;
  const std::string name_;
};

}  // namespace

void DeclareDriverMetrics() {
  Metrics& metrics = Metrics::Global();
  metrics.Declare(kOps, "counter",
                  "Storage driver calls by driver, operation and result.");
  metrics.Declare(kSeconds, "histogram",
                  "Storage driver call latency by driver and operation.");
}

StorageDriverPtr NewMeteredDriver(StorageDriverPtr driver) {
  return std::make_unique<MeteredDriver>(std::move(driver));
}

}  // namespace registry::drivers
