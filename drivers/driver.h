// The storage driver contract: opaque bytes at absolute slash-separated paths.
// Modelled on CNCF Distribution's StorageDriver and LevelDB's Env.
//
// Paths match ^(/[A-Za-z0-9._-]+)+$ with no "." or ".." component; "/" names
// the root (List, Walk and Stat only). A malformed path is InvalidArgument.
// Error contract for every method: a missing path is NotFound; a full disk or
// quota is ResourceExhausted; a retryable backend fault is Unavailable;
// anything else is Internal. Messages name the driver and the path.
//
// Implementations are safe for concurrent use without external locking, from
// several threads and from several processes sharing one backing store.
#ifndef REGISTRY_DRIVERS_DRIVER_H_
#define REGISTRY_DRIVERS_DRIVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace registry::drivers {

// What Stat and Walk report about a path.
struct FileInfo {
  std::string path;
  int64_t size = 0;  // 0 for directories.
  absl::Time mod_time;
  bool is_dir = false;
};

// A sequential reader. Not thread-safe.
class FileReader {
 public:
  virtual ~FileReader() = default;
  // Reads up to `n` bytes into `buf`. Returns the count, 0 at the end.
  virtual absl::StatusOr<size_t> Read(char* buf, size_t n) = 0;
};
using FileReaderPtr = std::unique_ptr<FileReader>;

// An appending writer. Bytes written are durable, and readable at the path,
// after Commit() (the path is private to its writer by convention, e.g. an
// upload's data file). Destroying a writer closes it without removing data,
// so a later Writer(path, /*append=*/true), in any process sharing the
// store, resumes after the last Commit() (the filesystem driver keeps the
// bytes written since, too). Not thread-safe.
class FileWriter {
 public:
  virtual ~FileWriter() = default;
  // Appends `data`.
  virtual absl::Status Write(absl::string_view data) = 0;
  // Size of the file: bytes present before this writer plus bytes written.
  virtual int64_t Size() const = 0;
  // Makes every byte written so far durable. The writer stays usable.
  virtual absl::Status Commit() = 0;
  // Removes the file. The writer is unusable afterwards.
  virtual absl::Status Cancel() = 0;
};
using FileWriterPtr = std::unique_ptr<FileWriter>;

// An exclusive lock taken with StorageDriver::Lock. Destroying it releases
// the lock. Not thread-safe.
class PathLock {
 public:
  virtual ~PathLock() = default;
  // OK while this holder still has the lock. Aborted once it has lost it (a
  // lease that another holder took over after it expired); Unavailable when
  // the backend cannot tell. Call before each change the lock protects.
  virtual absl::Status Check() = 0;
};
using PathLockPtr = std::unique_ptr<PathLock>;

// What a Walk callback tells the walk to do next.
enum class WalkAction { kContinue, kSkipDir, kStop };
using WalkFn = std::function<WalkAction(const FileInfo&)>;

class StorageDriver {
 public:
  StorageDriver() = default;
  StorageDriver(const StorageDriver&) = delete;
  StorageDriver& operator=(const StorageDriver&) = delete;
  virtual ~StorageDriver() = default;

  // A short name for messages and metrics ("filesystem", "inmemory").
  virtual absl::string_view Name() const = 0;

  // The whole content at `path`. Meant for small objects (links, manifests).
  virtual absl::StatusOr<std::string> GetContent(absl::string_view path) = 0;

  // Replaces the content at `path` atomically and durably: readers see the
  // old or the new bytes, never a mix. Creates parent directories.
  virtual absl::Status PutContent(absl::string_view path,
                                  absl::string_view content) = 0;

  // As PutContent (atomic, creates parents) but not necessarily durable: a
  // crash may leave the old content or none, never a mix. For state the
  // caller can rebuild. The default is PutContent.
  virtual absl::Status PutContentVolatile(absl::string_view path,
                                          absl::string_view content);

  // A reader from byte `offset`. OutOfRange when offset > size.
  virtual absl::StatusOr<FileReaderPtr> Reader(absl::string_view path,
                                               int64_t offset) = 0;

  // A writer at `path`, appending to existing content when `append`, else
  // truncating it. Creates parent directories.
  virtual absl::StatusOr<FileWriterPtr> Writer(absl::string_view path,
                                               bool append) = 0;

  // Size, modification time and kind of `path`.
  virtual absl::StatusOr<FileInfo> Stat(absl::string_view path) = 0;

  // Full paths of the direct children of directory `path`, sorted.
  virtual absl::StatusOr<std::vector<std::string>> List(
      absl::string_view path) = 0;

  // Moves a file, replacing `dst` atomically when it exists. Creates the
  // parent directories of `dst`.
  virtual absl::Status Move(absl::string_view src, absl::string_view dst) = 0;

  // Removes a file or a whole directory tree.
  virtual absl::Status Delete(absl::string_view path) = 0;

  // Whether listing is batched (object stores: one request lists up to
  // 1000 entries), so that listing a directory again costs less than a
  // Stat of a few of its files. The default is false (a local directory:
  // a walk stats every entry).
  virtual bool BatchedListing() const { return false; }

  // Removes the files at `paths` (missing ones are skipped), in as few
  // requests as the backend allows (S3: DeleteObjects, 1000 a request).
  // Directories left empty may go too. The default deletes one by one.
  virtual absl::Status DeleteFiles(const std::vector<std::string>& paths);

  // Visits every path below directory `path`, depth first, pre-order, in
  // key order: each directory's entries sorted by name, a directory's name
  // compared as if followed by '/' (so "a-b" comes before directory "a",
  // as object stores list keys; callers wanting another order sort).
  // kSkipDir on a directory skips its subtree; kStop ends the walk with OK.
  virtual absl::Status Walk(absl::string_view path, const WalkFn& fn) = 0;

  // Takes the exclusive lock named by the file `path`, waiting up to `wait`
  // while another holder, in this or any process sharing the store, has it:
  // Aborted when the wait ends. NotFound when the directory of `path` does
  // not exist (a lock never creates directories). The lock is advisory: it
  // excludes other lockers only. The lock file may show in List and Walk and
  // goes with a Delete of its directory, which ends the lock for everyone: a
  // waiter then gets NotFound, or a lock in a directory whose content is
  // gone (so only the holder should delete it, and lockers re-check what
  // they protect once they hold it). A holder that dies releases the lock
  // (at once on the filesystem, when its lease expires on S3).
  virtual absl::StatusOr<PathLockPtr> Lock(absl::string_view path,
                                           absl::Duration wait) = 0;

  // A URL from which a client may GET the content directly, valid until
  // `expiry`. Unimplemented when the backend has none (the default).
  virtual absl::StatusOr<std::string> URLFor(absl::string_view path,
                                             absl::Time expiry);
};
using StorageDriverPtr = std::unique_ptr<StorageDriver>;

}  // namespace registry::drivers

#endif  // REGISTRY_DRIVERS_DRIVER_H_
