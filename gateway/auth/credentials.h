// Reading the credentials of an Authorization header (RFC 9110 section
// 11.4): `scheme 1*SP credentials`, the scheme matched case-insensitively.
// Pure; thread-safe.
#ifndef REGISTRY_GATEWAY_AUTH_CREDENTIALS_H_
#define REGISTRY_GATEWAY_AUTH_CREDENTIALS_H_

#include <nlohmann/json.hpp>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace registry::gateway {

// The credentials after `scheme` (e.g. "Basic", "Bearer"), trimmed; nullopt
// when `header` uses another scheme or carries nothing after it.
absl::optional<absl::string_view> CredentialsOf(absl::string_view header,
                                                absl::string_view scheme);

// `text` as the content of an RFC 9110 quoted-string: '"' and '\' escaped.
std::string QuotedStringContent(absl::string_view text);

// object[key] when `object` is an object and that member a string; ""
// otherwise. Never throws (client-supplied JSON has any shape).
std::string JsonString(const nlohmann::json& object, const char* key);

}  // namespace registry::gateway

#endif  // REGISTRY_GATEWAY_AUTH_CREDENTIALS_H_
