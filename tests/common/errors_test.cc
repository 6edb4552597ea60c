#include "common/errors.h"

#include "common/grpc_status.h"
#include "gtest/gtest.h"

namespace registry {
namespace {

TEST(ErrorsTest, ReasonAndSubjectRideOnTheStatus) {
  absl::Status status = Error(absl::StatusCode::kNotFound, v1::BLOB_UNKNOWN,
                              "blob unknown", "sha256:abc");
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "blob unknown");
  EXPECT_EQ(ReasonOf(status), v1::BLOB_UNKNOWN);
  EXPECT_EQ(SubjectOf(status), "sha256:abc");
  EXPECT_EQ(ReasonOf(absl::NotFoundError("plain")), v1::REASON_UNSPECIFIED);
  EXPECT_TRUE(WithReason(absl::OkStatus(), v1::BLOB_UNKNOWN).ok());
}

// Every reason survives the trip through grpc::Status.
TEST(GrpcStatusTest, RoundTripsEveryReason) {
  for (int r = v1::Reason_MIN; r <= v1::Reason_MAX; ++r) {
    if (!v1::Reason_IsValid(r)) continue;
    auto reason = static_cast<v1::Reason>(r);
    absl::Status original =
        Error(absl::StatusCode::kOutOfRange, reason, "message", "subject");
    grpc::Status wire = ToGrpcStatus(original);
    EXPECT_EQ(wire.error_code(), grpc::StatusCode::OUT_OF_RANGE);
    absl::Status back = FromGrpcStatus(wire);
    EXPECT_EQ(back.code(), absl::StatusCode::kOutOfRange);
    EXPECT_EQ(back.message(), "message");
    EXPECT_EQ(ReasonOf(back), reason) << v1::Reason_Name(reason);
    EXPECT_EQ(SubjectOf(back), "subject");
  }
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

TEST(GrpcStatusTest, StatusWithoutDetailsKeepsCodeAndMessage) {
  absl::Status back = FromGrpcStatus(
      grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection refused"));
  EXPECT_EQ(back.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(back.message(), "connection refused");
  EXPECT_EQ(ReasonOf(back), v1::REASON_UNSPECIFIED);
}

}  // namespace
}  // namespace registry
