// Parsing of the HTTP headers and parameters the Distribution API uses.
// Pure functions; thread-safe.
#ifndef REGISTRY_GATEWAY_HTTP_UTIL_H_
#define REGISTRY_GATEWAY_HTTP_UTIL_H_

#include <httplib.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace registry::gateway {

// A byte range [offset, offset + length).
struct ByteRange {
  int64_t offset = 0;
  int64_t length = 0;
};

// Parses a request Range header ("bytes=a-b", "bytes=a-", "bytes=-n") for
// a blob of `size` bytes. nullopt when `header` is empty; OutOfRange
// (RANGE_INVALID) when unsatisfiable or malformed.
absl::StatusOr<absl::optional<ByteRange>> ParseRange(absl::string_view header,
                                                     int64_t size);

// Parses a PATCH Content-Range ("a-b", or "bytes a-b/*"). nullopt when
// empty; OutOfRange (RANGE_INVALID) when malformed.
absl::StatusOr<absl::optional<ByteRange>> ParseContentRange(
    absl::string_view header);

// The `n` query parameter: nullopt when absent; InvalidArgument
// (PAGINATION_NUMBER_INVALID) unless a non-negative integer.
absl::StatusOr<absl::optional<int>> PageSizeParam(const httplib::Request& req);

// Every value of a header, split on commas and trimmed.
std::vector<std::string> HeaderList(const httplib::Request& req,
                                    const char* name);

// The value of Range/Docker-Upload-Range for an upload at `offset`:
// "0-<offset-1>" ("0-0" for an empty upload, as Distribution sends).
std::string UploadRangeHeader(int64_t offset);

// Percent-encodes a query parameter value.
std::string QueryEscape(absl::string_view value);

}  // namespace registry::gateway

#endif  // REGISTRY_GATEWAY_HTTP_UTIL_H_
