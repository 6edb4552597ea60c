// A StorageDriver on a local directory tree, compatible with the layout CNCF
// Distribution's filesystem driver writes (a driver path /a/b is the file
// <root>/a/b). PutContent and Move are atomic (temp file + rename); data is
// fsynced before PutContent returns and on FileWriter::Commit, and new
// directory entries are fsynced too. Temporary files are named ".tmp.*" and
// are hidden from List and Walk. Thread-safe and multi-process safe.
#ifndef REGISTRY_DRIVERS_FILESYSTEM_FILESYSTEM_DRIVER_H_
#define REGISTRY_DRIVERS_FILESYSTEM_FILESYSTEM_DRIVER_H_

#include <memory>
#include <string>

#include "drivers/driver.h"
#include "drivers/factory.h"

namespace registry::drivers {

class FilesystemDriver final : public StorageDriver {
 public:
  // Serves the tree under `root`, creating it if needed. InvalidArgument if
  // `root` is not absolute; the errno status if it cannot be created.
  static absl::StatusOr<std::unique_ptr<FilesystemDriver>> Open(
      const std::string& root);

  // StorageDriver:
  absl::string_view Name() const override { return "filesystem"; }
  absl::StatusOr<std::string> GetContent(absl::string_view path) override;
  absl::Status PutContent(absl::string_view path,
                          absl::string_view content) override;
  absl::Status PutContentVolatile(absl::string_view path,
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
  // Unlinks each file, then removes its directory if that left it empty.
  absl::Status DeleteFiles(const std::vector<std::string>& paths) override;
  absl::Status Walk(absl::string_view path, const WalkFn& fn) override;
  absl::StatusOr<PathLockPtr> Lock(absl::string_view path,
                                   absl::Duration wait) override;

 private:
  explicit FilesystemDriver(std::string root) : root_(std::move(root)) {}

  // The local path for a checked driver path.
  absl::StatusOr<std::string> Resolve(absl::string_view path,
                                      bool allow_root = false) const;
  // Temp file + rename; fdatasync and directory fsync when `durable`.
  absl::Status Put(absl::string_view path, absl::string_view content,
                   bool durable);
  absl::Status WalkDir(const std::string& path, const WalkFn& fn, bool* stop);

  const std::string root_;
};

// Registers "filesystem" (parameter: rootdirectory).
std::unique_ptr<DriverFactory> NewFilesystemDriverFactory();

}  // namespace registry::drivers

#endif  // REGISTRY_DRIVERS_FILESYSTEM_FILESYSTEM_DRIVER_H_
