#include "gateway/errors.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
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
    {v1::UPSTREAM_UNAVAILABLE, {"UNAVAILABLE", 503, 5}},
    {v1::UPSTREAM_RATE_LIMITED, {"TOOMANYREQUESTS", 429, 60}},
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

struct RefusalRow {
  HttpRefusal refusal;
  OciError error;
  absl::string_view reason_phrase;
};

// Refusals of the HTTP layer: the spec names no code for most of them.
constexpr RefusalRow kRefusals[] = {
    {HttpRefusal::kMalformed, {"UNSUPPORTED", 400}, "Bad Request"},
    {HttpRefusal::kTimeout, {"UNSUPPORTED", 408}, "Request Timeout"},
    {HttpRefusal::kLengthRequired, {"SIZE_INVALID", 411}, "Length Required"},
    {HttpRefusal::kBodyTooLarge, {"SIZE_INVALID", 413}, "Content Too Large"},
    {HttpRefusal::kUriTooLong, {"UNSUPPORTED", 414}, "URI Too Long"},
    {HttpRefusal::kHeadersTooLarge,
     {"UNSUPPORTED", 431},
     "Request Header Fields Too Large"},
    {HttpRefusal::kMethod, {"UNSUPPORTED", 405}, "Method Not Allowed"},
    {HttpRefusal::kVersion, {"UNSUPPORTED", 505}, "HTTP Version Not Supported"},
    {HttpRefusal::kTooManyConnections,
     {"TOOMANYREQUESTS", 503, 1},
     "Service Unavailable"},
};

const RefusalRow& RowOf(HttpRefusal refusal) {
  for (const RefusalRow& row : kRefusals) {
    if (row.refusal == refusal) return row;
  }
  return kRefusals[0];
}

std::string ErrorBody(absl::string_view code, absl::string_view message,
                      const std::string& subject) {
  nlohmann::json error = {
      {"code", std::string(code)},
      {"message", std::string(message)},
  };
  error["detail"] =
      subject.empty() ? nlohmann::json(nullptr) : nlohmann::json(subject);
  return nlohmann::json{{"errors", {error}}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

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
  return ErrorBody(ToOciError(status).code, status.message(),
                   SubjectOf(status));
}

OciError ToOciError(HttpRefusal refusal) { return RowOf(refusal).error; }

std::string HttpRefusalResponse(HttpRefusal refusal,
                                absl::string_view message) {
  const RefusalRow& row = RowOf(refusal);
  std::string body = ErrorBody(row.error.code, message, "");
  std::string retry =
      row.error.retry_after > 0
          ? absl::StrCat("Retry-After: ", row.error.retry_after, "\r\n")
          : "";
  return absl::StrCat("HTTP/1.1 ", row.error.http_status, " ",
                      row.reason_phrase,
                      "\r\nContent-Type: application/json\r\n"
                      "Content-Length: ",
                      body.size(),
                      "\r\nConnection: close\r\n"
                      "Docker-Distribution-API-Version: registry/2.0\r\n",
                      retry, "\r\n", body);
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
