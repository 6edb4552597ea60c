#include "gateway/errors.h"

#include <nlohmann/json.hpp>

#include "common/errors.h"

namespace registry::gateway {
namespace {

struct ReasonRow {
  v1::Reason reason;
  OciError error;
};

// Every reason storaged sends, with the spec's code and status.
constexpr ReasonRow kReasons[] = {
    {v1::BLOB_UNKNOWN, {"BLOB_UNKNOWN", 404}},
    {v1::BLOB_UPLOAD_INVALID, {"BLOB_UPLOAD_INVALID", 400}},
    {v1::BLOB_UPLOAD_UNKNOWN, {"BLOB_UPLOAD_UNKNOWN", 404}},
    {v1::DIGEST_INVALID, {"DIGEST_INVALID", 400}},
    {v1::MANIFEST_BLOB_UNKNOWN, {"MANIFEST_BLOB_UNKNOWN", 400}},
    {v1::MANIFEST_INVALID, {"MANIFEST_INVALID", 400}},
    {v1::MANIFEST_UNKNOWN, {"MANIFEST_UNKNOWN", 404}},
    {v1::NAME_INVALID, {"NAME_INVALID", 400}},
    {v1::NAME_UNKNOWN, {"NAME_UNKNOWN", 404}},
    {v1::SIZE_INVALID, {"SIZE_INVALID", 400}},
    {v1::TAG_INVALID, {"TAG_INVALID", 400}},
    {v1::RANGE_INVALID, {"RANGE_INVALID", 416}},
    {v1::TOO_LARGE, {"SIZE_INVALID", 413}},
    {v1::UNSUPPORTED, {"UNSUPPORTED", 405}},
    {v1::INVALID_ARGUMENT, {"UNSUPPORTED", 400}},
    {v1::PAGINATION_NUMBER_INVALID, {"PAGINATION_NUMBER_INVALID", 400}},
    {v1::UPLOAD_BUSY, {"BLOB_UPLOAD_INVALID", 409, 1}},
    {v1::STORAGE_FULL, {"UNAVAILABLE", 507, 60}},
};

struct CodeRow {
  absl::StatusCode code;
  OciError error;
};

// Errors without a reason (transport failures, driver faults).
constexpr CodeRow kCodes[] = {
    {absl::StatusCode::kUnauthenticated, {"UNAUTHORIZED", 401}},
    {absl::StatusCode::kPermissionDenied, {"DENIED", 403}},
    {absl::StatusCode::kResourceExhausted, {"TOOMANYREQUESTS", 429}},
    {absl::StatusCode::kUnimplemented, {"UNSUPPORTED", 405}},
    {absl::StatusCode::kUnavailable, {"UNAVAILABLE", 503, 5}},
    {absl::StatusCode::kDeadlineExceeded, {"UNAVAILABLE", 503, 5}},
    // A storaged that stops cancels the calls it still has: try again.
    {absl::StatusCode::kCancelled, {"UNAVAILABLE", 503, 1}},
};

constexpr OciError kUnknown = {"UNKNOWN", 500};

}  // namespace

OciError ToOciError(const absl::Status& status) {
  v1::Reason reason = ReasonOf(status);
  for (const ReasonRow& row : kReasons) {
    if (row.reason == reason) return row.error;
  }
  for (const CodeRow& row : kCodes) {
    if (row.code == status.code()) return row.error;
  }
  return kUnknown;
}

std::string OciErrorBody(const absl::Status& status) {
  nlohmann::json error = {
      {"code", std::string(ToOciError(status).code)},
      {"message", std::string(status.message())},
  };
  std::string subject = SubjectOf(status);
  error["detail"] =
      subject.empty() ? nlohmann::json(nullptr) : nlohmann::json(subject);
  return nlohmann::json{{"errors", {error}}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void WriteOciError(const absl::Status& status, httplib::Response& response) {
  OciError error = ToOciError(status);
  response.status = error.http_status;
  if (error.retry_after > 0) {
    response.set_header("Retry-After", std::to_string(error.retry_after));
  }
  response.set_content(OciErrorBody(status), "application/json");
}

}  // namespace registry::gateway
