// The one table that turns an error into the OCI Distribution Spec's wire
// form: error code, HTTP status and the JSON body
// {"errors":[{"code","message","detail"}]}. Thread-safe (pure functions).
#ifndef REGISTRY_GATEWAY_ERRORS_H_
#define REGISTRY_GATEWAY_ERRORS_H_

#include <httplib.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace registry::gateway {

struct OciError {
  absl::string_view code;  // e.g. "BLOB_UNKNOWN"
  int http_status;         // e.g. 404
  int retry_after = 0;     // Seconds for a Retry-After header; 0: none.
};

// The OCI code and HTTP status for `status`: by its registry reason when it
// carries one, else by its canonical code; UNKNOWN/500 for anything else.
OciError ToOciError(const absl::Status& status);

// The JSON error body for `status`.
std::string OciErrorBody(const absl::Status& status);

// Sets `response` to the OCI error for `status` (status code, body, and
// Retry-After when the error is temporary).
void WriteOciError(const absl::Status& status, httplib::Response& response);

// Refusals of the HTTP layer, made before a request is routed: framing,
// limits and timeouts.
enum class HttpRefusal {
  kMalformed,           // 400
  kTimeout,             // 408: the head did not arrive in time.
  kLengthRequired,      // 411
  kBodyTooLarge,        // 413
  kUriTooLong,          // 414
  kHeadersTooLarge,     // 431
  kMethod,              // 405
  kVersion,             // 505
  kTooManyConnections,  // 503
};

OciError ToOciError(HttpRefusal refusal);

// A whole response for `refusal` (status line, headers with
// "Connection: close", the JSON error body with `message`).
std::string HttpRefusalResponse(HttpRefusal refusal, absl::string_view message);

}  // namespace registry::gateway

#endif  // REGISTRY_GATEWAY_ERRORS_H_
