// A StorageDriver that keeps everything in process memory: for tests and as
// the unit-test fake for storaged. Directories are implicit (a path is a
// directory while some file lies below it). Thread-safe.
#ifndef REGISTRY_DRIVERS_INMEMORY_INMEMORY_DRIVER_H_
#define REGISTRY_DRIVERS_INMEMORY_INMEMORY_DRIVER_H_

#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/synchronization/mutex.h"
#include "drivers/driver.h"
#include "drivers/factory.h"

namespace registry::drivers {

class InMemoryDriver final : public StorageDriver {
 public:
  InMemoryDriver() = default;

  // StorageDriver:
  absl::string_view Name() const override { return "inmemory"; }
  absl::StatusOr<std::string> GetContent(absl::string_view path) override;
  absl::Status PutContent(absl::string_view path,
                          absl::string_view content) override;
  absl::StatusOr<FileReaderPtr> Reader(absl::string_view path,
                                       int64_t offset) override;
  absl::StatusOr<FileWriterPtr> Writer(absl::string_view path,
                                       bool append) override;
  absl::StatusOr<FileInfo> Stat(absl::string_view path) override;
  absl::StatusOr<std::vector<std::string>> List(
      absl::string_view path) override;
  absl::Status Move(absl::string_view src, absl::string_view dst) override;
  absl::Status Delete(absl::string_view path) override;
  absl::Status Walk(absl::string_view path, const WalkFn& fn) override;
  absl::StatusOr<PathLockPtr> Lock(absl::string_view path,
                                   absl::Duration wait) override;

  // One stored file. Content is copied on write while readers share it.
  struct File {
    std::shared_ptr<const std::string> content;
    absl::Time mod_time;
  };

 private:
  friend class InMemoryWriter;
  friend class InMemoryLock;

  // Releases the lock on `path`.
  void Unlock(const std::string& path);

  // Appends `data` to the file at `path`, creating it.
  void Append(const std::string& path, absl::string_view data);
  // True when some file lies strictly below `path`. REQUIRES: mu_ held.
  bool IsDirLocked(const std::string& path) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::map<std::string, File> files_ ABSL_GUARDED_BY(mu_);
  // Paths locked with Lock (no file is stored for them).
  absl::Mutex locks_mu_;
  std::set<std::string> locked_ ABSL_GUARDED_BY(locks_mu_);
};

// Registers "inmemory" (no parameters).
std::unique_ptr<DriverFactory> NewInMemoryDriverFactory();

}  // namespace registry::drivers

#endif  // REGISTRY_DRIVERS_INMEMORY_INMEMORY_DRIVER_H_
