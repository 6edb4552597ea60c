// What storaged's services answer their callers. Errors the stores give a
// reason to pass as they are. Any other error (a driver's: full disk, an
// unreachable object store, an I/O fault) is logged in full here, and the
// caller gets a message that names the operation, repository and object
// but never a server path or a driver's wording: a full store is
// RESOURCE_EXHAUSTED with reason STORAGE_FULL, an unreachable one
// UNAVAILABLE, anything else INTERNAL. Thread-safe.
#ifndef REGISTRY_STORAGED_SERVICE_ANSWER_H_
#define REGISTRY_STORAGED_SERVICE_ANSWER_H_

#include <grpcpp/support/server_callback.h>
#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace registry {

// What a call is about, as views into its request (nothing is copied
// unless an error needs a message).
struct CallSubject {
  const char* action;            // "commit of upload", "read of blob".
  absl::string_view object;      // An upload id, a digest, a tag; may be empty.
  absl::string_view repository;  // May be empty.
};

// `status` as the caller should see it (see the file comment).
absl::Status ForCaller(const CallSubject& subject, absl::Status status);

// ForCaller, converted for a synchronous handler.
grpc::Status Answer(const CallSubject& subject, const absl::Status& status);

// ForCaller, finishing a callback-API unary call.
grpc::ServerUnaryReactor* AnswerUnary(grpc::CallbackServerContext* context,
                                      const CallSubject& subject,
                                      const absl::Status& status);

}  // namespace registry

#endif  // REGISTRY_STORAGED_SERVICE_ANSWER_H_
