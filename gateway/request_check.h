// Checks what a request names (repository, manifest reference, digest,
// upload id, and the query parameters that carry names) against the spec's
// grammar, in the gateway, before authentication builds a challenge from
// them and before any storaged call carries them. Pure; thread-safe.
#ifndef REGISTRY_GATEWAY_REQUEST_CHECK_H_
#define REGISTRY_GATEWAY_REQUEST_CHECK_H_

#include <httplib.h>

#include "absl/status/status.h"
#include "gateway/request_info.h"

namespace registry::gateway {

// OK, or the error to answer: NAME_INVALID, TAG_INVALID, DIGEST_INVALID or
// BLOB_UPLOAD_INVALID (400) for a malformed name, and MANIFEST_UNKNOWN
// (404) for a GET, HEAD or DELETE of a manifest whose reference is
// well-formed text but neither a tag nor a digest (as the spec and
// docker-registry answer; a PUT gets TAG_INVALID).
absl::Status CheckRequestNames(const httplib::Request& req,
                               const RequestInfo& info);

}  // namespace registry::gateway

#endif  // REGISTRY_GATEWAY_REQUEST_CHECK_H_
