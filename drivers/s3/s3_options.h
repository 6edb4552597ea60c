// The S3 driver's parameters, with CNCF Distribution's key names:
// region, regionendpoint, bucket, accesskey, secretkey, rootdirectory,
// chunksize, forcepathstyle, secure, multipartcopythresholdsize,
// multipartcopychunksize. Credentials and region fall back to the standard
// AWS environment variables.
#ifndef REGISTRY_DRIVERS_S3_S3_OPTIONS_H_
#define REGISTRY_DRIVERS_S3_S3_OPTIONS_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "drivers/factory.h"
#include "drivers/s3/s3_client.h"

namespace registry::drivers::s3 {

inline constexpr int64_t kMinChunkSize = int64_t{5} << 20;  // S3's minimum.
inline constexpr int64_t kMaxCopySize = int64_t{5} << 30;   // One CopyObject.

struct S3Options {
  S3Endpoint endpoint;
  std::string root_prefix;  // "" or "dir/": every key starts with it.
  int64_t chunk_size = int64_t{10} << 20;
  int64_t multipart_copy_threshold = kMaxCopySize;
  int64_t multipart_copy_chunk_size = int64_t{32} << 20;
};

using GetEnv = std::function<const char*(const char*)>;

// Options from `params` and, for what they leave out, the environment
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION,
// AWS_DEFAULT_REGION). InvalidArgument naming the key for a missing bucket,
// an unknown key or a malformed value.
absl::StatusOr<S3Options> ParseS3Options(const DriverParams& params,
                                         const GetEnv& getenv);

}  // namespace registry::drivers::s3

#endif  // REGISTRY_DRIVERS_S3_S3_OPTIONS_H_
