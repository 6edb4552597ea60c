#include "common/request_origin.h"

namespace registry {
namespace {

constexpr size_t kMaxValue = 512;

struct Field {
  const char* key;
  std::string RequestOrigin::*member;
};
constexpr Field kFields[] = {
    {"x-origin-addr", &RequestOrigin::addr},
    {"x-origin-host", &RequestOrigin::host},
    {"x-origin-method", &RequestOrigin::method},
    {"x-origin-user-agent", &RequestOrigin::user_agent},
    {"x-origin-actor", &RequestOrigin::actor},
    {"x-origin-scheme", &RequestOrigin::scheme},
};

std::string Printable(absl::string_view text) {
  std::string out(text.substr(0, kMaxValue));
  for (char& c : out) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> OriginMetadata(
    const RequestOrigin& origin) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Field& field : kFields) {
    const std::string& value = origin.*field.member;
    if (!value.empty()) out.emplace_back(field.key, Printable(value));
  }
  return out;
}

RequestOrigin OriginFromMetadata(
    const std::vector<std::pair<absl::string_view, absl::string_view>>&
        metadata) {
  RequestOrigin origin;
  for (const auto& [key, value] : metadata) {
    for (const Field& field : kFields) {
      if (key == field.key) origin.*field.member = std::string(value);
    }
  }
  return origin;
}

}  // namespace registry
