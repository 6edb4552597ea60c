// A StorageDriver on an S3 bucket (AWS S3 or any compatible store such as
// Ceph RADOS Gateway or MinIO), after CNCF Distribution's s3-aws driver.
//
// A path /a/b is the object <rootdirectory>/a/b; directories are key
// prefixes (they exist while something is below them). Small content is one
// PUT; writers upload equal parts of a multipart upload and keep what does
// not fill a part in a pending object (pending_file.h) so that any process
// can resume them. Reading, moving or stat-ing a writer's committed but
// unfinished file works; reading or moving it finishes it (completes the
// upload), after which a writer that appends starts a new upload from it.
// Moves are server-side copies (UploadPartCopy above
// multipartcopythresholdsize) then a delete. List is one ListObjectsV2 per
// 1000 entries; Walk streams the subtree's flat listing (key_walk.h).
// URLFor presigns GET URLs. Locks are lease objects
// (s3_lock.h). Thread-safe; processes sharing a
// bucket share files.
#ifndef REGISTRY_DRIVERS_S3_S3_DRIVER_H_
#define REGISTRY_DRIVERS_S3_S3_DRIVER_H_

#include <memory>
#include <string>
#include <vector>

#include "drivers/driver.h"
#include "drivers/factory.h"
#include "drivers/s3/object_store.h"
#include "drivers/s3/s3_options.h"

namespace registry::drivers {

class S3Driver final : public StorageDriver {
 public:
  // A driver on the bucket `options` names, after checking that the
  // bucket answers (NotFound when it does not exist).
  static absl::StatusOr<std::unique_ptr<S3Driver>> Open(s3::S3Options options);

  absl::string_view Name() const override { return "s3"; }
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
  bool BatchedListing() const override { return true; }

  // DeleteObjects, 1000 keys a request (unfinished files are not looked for).
  absl::Status DeleteFiles(const std::vector<std::string>& paths) override;
  absl::Status Walk(absl::string_view path, const WalkFn& fn) override;
  absl::StatusOr<std::string> URLFor(absl::string_view path,
                                     absl::Time expiry) override;
  absl::StatusOr<PathLockPtr> Lock(absl::string_view path,
                                   absl::Duration wait) override;

 private:
  S3Driver(s3::S3Options options, std::unique_ptr<s3::S3Client> client);

  std::string Key(absl::string_view path) const;
  // The key prefix of everything below directory `path`.
  std::string DirPrefix(absl::string_view path) const;
  // The finished object at `key`, finishing a writer's pending file first.
  absl::StatusOr<s3::ObjectInfo> Finished(const std::string& key,
                                          absl::string_view path);

  const s3::S3Options options_;
  s3::ObjectStore store_;
};

// The factory of driver "s3" (parameters: s3_options.h).
std::unique_ptr<DriverFactory> NewS3DriverFactory();

}  // namespace registry::drivers

#endif  // REGISTRY_DRIVERS_S3_S3_DRIVER_H_
