#include "storaged/service/answer.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "common/log.h"

namespace registry {
namespace {

// Client-supplied text, bounded for messages.
absl::string_view Bounded(absl::string_view text) {
  return text.substr(0, 256);
}

std::string Describe(const CallSubject& subject) {
  std::string about = subject.action;
  if (!subject.object.empty()) {
    absl::StrAppend(&about, " ", Bounded(subject.object));
  }
  if (!subject.repository.empty()) {
    absl::StrAppend(&about, " in repository ", Bounded(subject.repository));
  }
  return about;
}

}  // namespace

absl::Status ForCaller(const CallSubject& subject, absl::Status status) {
  if (status.ok() || ReasonOf(status) != v1::REASON_UNSPECIFIED) {
    return status;
  }
  const std::string about = Describe(subject);
  Log(LogLevel::kError, "storage", status.message(),
      {{"during", about}, {"code", static_cast<int>(status.code())}});
  switch (status.code()) {
    case absl::StatusCode::kResourceExhausted:
      return Error(absl::StatusCode::kResourceExhausted, v1::STORAGE_FULL,
                   absl::StrCat("storage is full: the ", about,
                                " failed; retry once space is freed"),
                   Bounded(subject.object));
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return absl::UnavailableError(absl::StrCat(
          "storage is unavailable: the ", about, " failed; retry later"));
    case absl::StatusCode::kCancelled:
      return absl::CancelledError(
          absl::StrCat("the ", about, " was cancelled"));
    default:
      return absl::InternalError(absl::StrCat(
          "storage error: the ", about, " failed (details in storaged's log)"));
  }
}

grpc::Status Answer(const CallSubject& subject, const absl::Status& status) {
  return ToGrpcStatus(ForCaller(subject, status));
}

grpc::ServerUnaryReactor* AnswerUnary(grpc::CallbackServerContext* context,
                                      const CallSubject& subject,
                                      const absl::Status& status) {
  return FinishUnary(context, ForCaller(subject, status));
}

}  // namespace registry
