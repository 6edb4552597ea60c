// Streams an HTTP request body into a storaged upload (UploadService.Write)
// in bounded chunks, so a body of any size never sits in memory.
#ifndef REGISTRY_GATEWAY_UPLOAD_STREAM_H_
#define REGISTRY_GATEWAY_UPLOAD_STREAM_H_

#include <httplib.h>

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/optional.h"
#include "gateway/storaged_client.h"

namespace registry::gateway {

struct UploadTarget {
  std::string repository;
  std::string upload_id;
  // When set, storaged refuses the write unless the upload is at this offset.
  absl::optional<int64_t> offset;
};

// Appends the body (read through `content`) to the upload and returns the
// upload's status afterwards. `content_length` is the declared body size
// (or -1): a body that ends early is kept (the upload stays resumable) and
// reported as BLOB_UPLOAD_INVALID.
absl::StatusOr<v1::UploadStatus> StreamBodyToUpload(
    StoragedClient& storaged, const UploadTarget& target,
    const httplib::ContentReader& content, int64_t content_length);

}  // namespace registry::gateway

#endif  // REGISTRY_GATEWAY_UPLOAD_STREAM_H_
