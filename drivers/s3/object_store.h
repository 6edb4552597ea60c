// Typed S3 object operations over one bucket (HEAD, GET with Range, PUT,
// DELETE, batch delete, copy, multipart uploads, listings) on top of
// S3Client. Keys are full object keys. Thread-safe.
#ifndef REGISTRY_DRIVERS_S3_OBJECT_STORE_H_
#define REGISTRY_DRIVERS_S3_OBJECT_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "drivers/s3/s3_client.h"
#include "drivers/s3/s3_xml.h"

namespace registry::drivers::s3 {

struct ObjectInfo {
  int64_t size = 0;
  std::string etag;  // Without quotes.
  absl::Time last_modified;
  KeyValues metadata;  // x-amz-meta-* without the prefix.
  std::string Meta(absl::string_view name) const;
};

class ObjectStore {
 public:
  explicit ObjectStore(std::unique_ptr<S3Client> client);

  absl::StatusOr<ObjectInfo> Head(const std::string& key);
  // The bytes [offset, offset + length) of `key`; length < 0 means to the
  // end. Fewer bytes when the object is shorter.
  absl::StatusOr<std::string> Get(const std::string& key, int64_t offset = 0,
                                  int64_t length = -1);
  // GET with the object's metadata.
  absl::StatusOr<std::string> GetWithInfo(const std::string& key,
                                          ObjectInfo* info);
  absl::Status Put(const std::string& key, absl::string_view body,
                   const KeyValues& metadata = {});
  // PUT on a condition: `if_match` an ETag (the object's content is still
  // that one), or "" for If-None-Match: * (the object does not exist yet).
  // Returns the new ETag; FailedPrecondition when the condition fails.
  absl::StatusOr<std::string> PutIf(const std::string& key,
                                    absl::string_view body,
                                    absl::string_view if_match);
  // DELETE; OK when the key is absent (S3 does not tell).
  absl::Status Delete(const std::string& key);
  // Deletes up to any number of keys, 1000 per request.
  absl::Status DeleteMany(const std::vector<std::string>& keys);
  // Server-side copy; objects larger than `multipart_threshold` are copied
  // with UploadPartCopy in parts of `part_size`.
  absl::Status Copy(const std::string& src, int64_t size,
                    const std::string& dst, int64_t multipart_threshold,
                    int64_t part_size);

  absl::StatusOr<std::string> CreateUpload(const std::string& key);
  absl::StatusOr<std::string> UploadPart(const std::string& key,
                                         const std::string& upload_id, int part,
                                         absl::string_view body);
  absl::StatusOr<std::string> UploadPartCopy(const std::string& key,
                                             const std::string& upload_id,
                                             int part, const std::string& src,
                                             int64_t first, int64_t last);
  // Every part of an upload, in part order.
  absl::StatusOr<std::vector<PartEntry>> ListParts(
      const std::string& key, const std::string& upload_id);
  absl::Status Complete(const std::string& key, const std::string& upload_id,
                        const std::vector<std::string>& etags);
  absl::Status Abort(const std::string& key, const std::string& upload_id);
  // Every unfinished upload whose key starts with `prefix`.
  absl::StatusOr<std::vector<UploadEntry>> ListUploads(
      const std::string& prefix);

  // ListObjectsV2 pages of up to `max_keys` below `prefix` (grouped by
  // `delimiter` when not empty), one call of `page` per response until it
  // returns false or the listing ends.
  absl::Status List(const std::string& prefix, const std::string& delimiter,
                    int max_keys,
                    const std::function<bool(const ObjectListing&)>& page);
  // As above, from the first key after `start_after` (all when empty).
  absl::Status List(const std::string& prefix, const std::string& delimiter,
                    const std::string& start_after, int max_keys,
                    const std::function<bool(const ObjectListing&)>& page);

  S3Client& client() { return *client_; }

 private:
  // The x-amz-copy-source header value naming `key` in this bucket.
  std::string CopySource(const std::string& key) const;

  const std::unique_ptr<S3Client> client_;
};

}  // namespace registry::drivers::s3

#endif  // REGISTRY_DRIVERS_S3_OBJECT_STORE_H_
