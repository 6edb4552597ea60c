#include "gateway/auth/credentials.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace registry::gateway {

absl::optional<absl::string_view> CredentialsOf(absl::string_view header,
                                                absl::string_view scheme) {
  if (header.size() <= scheme.size() ||
      !absl::EqualsIgnoreCase(header.substr(0, scheme.size()), scheme) ||
      header[scheme.size()] != ' ') {
    return absl::nullopt;
  }
  absl::string_view credentials =
      absl::StripAsciiWhitespace(header.substr(scheme.size()));
  if (credentials.empty()) return absl::nullopt;
  return credentials;
}

std::string QuotedStringContent(absl::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::string JsonString(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

}  // namespace registry::gateway
