// Registry errors: an absl::Status whose payload names an OCI-level reason
// (registry.v1.Reason) and its subject (a digest, name, tag or offset).
// Stores produce these; the gRPC layer carries them; the gateway maps the
// reason to the wire in one table. Thread-safe (pure functions).
#ifndef REGISTRY_COMMON_ERRORS_H_
#define REGISTRY_COMMON_ERRORS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "proto/errors.pb.h"

namespace registry {

// The payload type URL under which the ErrorDetail is stored.
inline constexpr absl::string_view kErrorDetailTypeUrl =
    "type.googleapis.com/registry.v1.ErrorDetail";

// A status with `code` and `message` that carries `reason` and `subject`.
absl::Status Error(absl::StatusCode code, v1::Reason reason,
                   absl::string_view message, absl::string_view subject = "");

// `status` with `reason` and `subject` attached (replacing any earlier
// reason). OK stays OK.
absl::Status WithReason(absl::Status status, v1::Reason reason,
                        absl::string_view subject = "");

// The reason carried by `status`, or REASON_UNSPECIFIED.
v1::Reason ReasonOf(const absl::Status& status);

// The subject carried by `status`, or "".
std::string SubjectOf(const absl::Status& status);

// `text` cut to `max_bytes`, with every byte outside printable ASCII
// written as \xNN: client input quoted in a message or subject stays valid
// UTF-8 (protobuf strings and JSON bodies require it) and readable.
std::string Printable(absl::string_view text, size_t max_bytes);

}  // namespace registry

#endif  // REGISTRY_COMMON_ERRORS_H_
