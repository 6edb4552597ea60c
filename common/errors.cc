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

}  // namespace registry
