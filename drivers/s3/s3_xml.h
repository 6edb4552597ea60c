// Parsers for the XML bodies of the S3 API calls the driver makes
// (ListObjectsV2, multipart uploads, copies, errors). Pure functions; each
// answers Internal when a body is not the document it expects.
#ifndef REGISTRY_DRIVERS_S3_S3_XML_H_
#define REGISTRY_DRIVERS_S3_S3_XML_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace registry::drivers::s3 {

// <Error><Code/><Message/></Error>; empty fields when `body` is not one.
struct ErrorDocument {
  std::string code;
  std::string message;
};
ErrorDocument ParseError(absl::string_view body);

struct ObjectEntry {
  std::string key;
  int64_t size = 0;
  absl::Time last_modified;
};
struct ObjectListing {
  std::vector<ObjectEntry> objects;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_continuation_token;
};
absl::StatusOr<ObjectListing> ParseListObjectsV2(absl::string_view body);

// InitiateMultipartUploadResult's UploadId.
absl::StatusOr<std::string> ParseUploadId(absl::string_view body);

struct PartEntry {
  int number = 0;
  std::string etag;
  int64_t size = 0;
};
struct PartListing {
  std::vector<PartEntry> parts;
  bool truncated = false;
  std::string next_part_number_marker;
};
absl::StatusOr<PartListing> ParseListParts(absl::string_view body);

struct UploadEntry {
  std::string key;
  std::string upload_id;
};
struct UploadListing {
  std::vector<UploadEntry> uploads;
  bool truncated = false;
  std::string next_key_marker;
  std::string next_upload_id_marker;
};
absl::StatusOr<UploadListing> ParseListMultipartUploads(absl::string_view body);

// The ETag of a CopyObjectResult or CopyPartResult.
absl::StatusOr<std::string> ParseCopyETag(absl::string_view body);

// XML-escapes `text` for element content.
std::string XmlEscape(absl::string_view text);

}  // namespace registry::drivers::s3

#endif  // REGISTRY_DRIVERS_S3_S3_XML_H_
