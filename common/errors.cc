#include "common/errors.h"

#include <optional>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/types/optional.h"

namespace registry {
namespace {

std::optional<v1::ErrorDetail> DetailOf(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kErrorDetailTypeUrl);
  if (!payload.has_value()) return std::nullopt;
  v1::ErrorDetail detail;
  if (!detail.ParseFromString(std::string(*payload))) return std::nullopt;
  return detail;
}

}  // namespace

absl::Status Error(absl::StatusCode code, v1::Reason reason,
                   absl::string_view message, absl::string_view subject) {
  return WithReason(absl::Status(code, message), reason, subject);
}

absl::Status WithReason(absl::Status status, v1::Reason reason,
                        absl::string_view subject) {
  if (status.ok()) return status;
  v1::ErrorDetail detail;
  detail.set_reason(reason);
  detail.set_subject(std::string(subject));
  status.SetPayload(kErrorDetailTypeUrl,
                    absl::Cord(detail.SerializeAsString()));
  return status;
}

v1::Reason ReasonOf(const absl::Status& status) {
  std::optional<v1::ErrorDetail> detail = DetailOf(status);
  return detail.has_value() ? detail->reason() : v1::REASON_UNSPECIFIED;
}

std::string SubjectOf(const absl::Status& status) {
  std::optional<v1::ErrorDetail> detail = DetailOf(status);
  return detail.has_value() ? detail->subject() : "";
}

std::string Printable(absl::string_view text, size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : text.substr(0, max_bytes)) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out.append({'\\', 'x', kHex[c >> 4], kHex[c & 0xf]});
    }
  }
  return out;
}

}  // namespace registry
