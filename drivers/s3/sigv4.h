// AWS Signature Version 4 for S3 requests: the Authorization header of a
// request, and presigned GET URLs. Pure functions over OpenSSL's SHA-256 and
// HMAC; no I/O. Thread-safe.
#ifndef REGISTRY_DRIVERS_S3_SIGV4_H_
#define REGISTRY_DRIVERS_S3_SIGV4_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace registry::drivers::s3 {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

struct Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // Optional (temporary credentials).
};

// What SigV4 signs of a request.
struct RequestToSign {
  std::string method;        // "GET", "PUT", ...
  std::string encoded_path;  // URI-encoded, e.g. "/bucket/a/b".
  KeyValues query;           // Decoded names and values.
  KeyValues headers;         // Every header to sign; must include "host".
  std::string payload_hash;  // Hex SHA-256 of the body, or UNSIGNED-PAYLOAD.
};

// RFC 3986 encoding as S3 wants it: every byte but A-Z a-z 0-9 - . _ ~ is
// %XX; '/' is kept when `keep_slash`.
std::string UriEncode(absl::string_view text, bool keep_slash);

// Lowercase hex SHA-256 of `data`.
std::string HexSha256(absl::string_view data);

// "20130524T000000Z" for x-amz-date.
std::string AmzDate(absl::Time time);

// The query string in SigV4's canonical form (sorted, encoded).
std::string CanonicalQuery(const KeyValues& query);

// The Authorization header for `request` signed at `time`. The request's
// headers must carry the same x-amz-date as `time`.
std::string Authorization(const RequestToSign& request,
                          const Credentials& credentials,
                          absl::string_view region, absl::Time time);

// The full query string (canonical, with X-Amz-Signature) of a presigned
// GET of `encoded_path` at `host`, valid for `expires` (at most 7 days).
std::string PresignedGetQuery(absl::string_view encoded_path,
                              absl::string_view host,
                              const Credentials& credentials,
                              absl::string_view region, absl::Time time,
                              absl::Duration expires);

}  // namespace registry::drivers::s3

#endif  // REGISTRY_DRIVERS_S3_SIGV4_H_
