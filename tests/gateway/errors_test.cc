// The OCI error table, row by row (after absl's status_test kErrorTests).
#include "gateway/errors.h"

#include <nlohmann/json.hpp>

#include "common/errors.h"
#include "gtest/gtest.h"

namespace registry::gateway {
namespace {

struct Row {
  absl::Status status;
  const char* code;
  int http;
  int retry_after = 0;
};

TEST(OciErrorTest, EveryReasonAndFallback) {
  auto r = [](v1::Reason reason) {
    return Error(absl::StatusCode::kInvalidArgument, reason, "m");
  };
  const Row rows[] = {
      {r(v1::BLOB_UNKNOWN), "BLOB_UNKNOWN", 404},
      {r(v1::BLOB_UPLOAD_INVALID), "BLOB_UPLOAD_INVALID", 400},
      {r(v1::BLOB_UPLOAD_UNKNOWN), "BLOB_UPLOAD_UNKNOWN", 404},
      {r(v1::DIGEST_INVALID), "DIGEST_INVALID", 400},
      {r(v1::MANIFEST_BLOB_UNKNOWN), "MANIFEST_BLOB_UNKNOWN", 400},
      {r(v1::MANIFEST_INVALID), "MANIFEST_INVALID", 400},
      {r(v1::MANIFEST_UNKNOWN), "MANIFEST_UNKNOWN", 404},
      {r(v1::NAME_INVALID), "NAME_INVALID", 400},
      {r(v1::NAME_UNKNOWN), "NAME_UNKNOWN", 404},
      {r(v1::SIZE_INVALID), "SIZE_INVALID", 400},
      {r(v1::TAG_INVALID), "TAG_INVALID", 400},
      {r(v1::RANGE_INVALID), "RANGE_INVALID", 416},
      {r(v1::TOO_LARGE), "SIZE_INVALID", 413},
      {r(v1::UNSUPPORTED), "UNSUPPORTED", 405},
      {r(v1::PAGINATION_NUMBER_INVALID), "PAGINATION_NUMBER_INVALID", 400},
      {r(v1::UPLOAD_BUSY), "BLOB_UPLOAD_INVALID", 409, 1},
      {r(v1::STORAGE_FULL), "UNAVAILABLE", 507, 60},
      {absl::UnauthenticatedError("m"), "UNAUTHORIZED", 401},
      {absl::PermissionDeniedError("m"), "DENIED", 403},
      {absl::UnimplementedError("m"), "UNSUPPORTED", 405},
      {absl::UnavailableError("m"), "UNAVAILABLE", 503, 5},
      {absl::DeadlineExceededError("m"), "UNAVAILABLE", 503, 5},
      {absl::CancelledError("m"), "UNAVAILABLE", 503, 1},
      {absl::InternalError("m"), "UNKNOWN", 500},
      {absl::NotFoundError("m"), "UNKNOWN", 500},
  };
  for (const Row& row : rows) {
    OciError error = ToOciError(row.status);
    EXPECT_EQ(error.code, row.code) << row.status;
    EXPECT_EQ(error.http_status, row.http) << row.status;
    httplib::Response response;
    WriteOciError(row.status, response);
    EXPECT_EQ(response.get_header_value("Retry-After"),
              row.retry_after > 0 ? std::to_string(row.retry_after) : "")
        << row.status;
  }
}

TEST(OciErrorTest, BodyHasCodeMessageAndDetail) {
  httplib::Response response;
  WriteOciError(Error(absl::StatusCode::kNotFound, v1::BLOB_UNKNOWN,
                      "blob unknown", "sha256:abc"),
                response);
  EXPECT_EQ(response.status, 404);
  nlohmann::json body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["errors"][0]["code"], "BLOB_UNKNOWN");
  EXPECT_EQ(body["errors"][0]["message"], "blob unknown");
  EXPECT_EQ(body["errors"][0]["detail"], "sha256:abc");
  EXPECT_EQ(response.get_header_value("Content-Type"), "application/json");
}

}  // namespace
}  // namespace registry::gateway
