// The request the current thread is serving (cpp-httplib serves each
// request on one worker thread from routing to logging): its id, user and
// start time, for logs and for the metadata of storaged calls.
#ifndef REGISTRY_GATEWAY_REQUEST_CONTEXT_H_
#define REGISTRY_GATEWAY_REQUEST_CONTEXT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/request_origin.h"

namespace registry::gateway {

struct RequestContext {
  std::string id;    // X-Request-Id: the client's when well-formed, else ours.
  std::string user;  // Set by authentication; empty when anonymous.
  // Where the request came from (its actor is `user`), for storaged's
  // events.
  RequestOrigin origin;
  absl::Time start;
  // A refusal the handler must answer after it has drained the body: set
  // for requests whose body is streamed (uploads), which cpp-httplib would
  // otherwise leave unread on a kept-alive connection.
  absl::Status refusal;
};

// This thread's request.
RequestContext& CurrentRequest();

// Starts a request on this thread with the client's id (if it is 1 to 64
// characters of [A-Za-z0-9._-]) or a new random one.
void BeginRequest(absl::string_view client_id);

}  // namespace registry::gateway

#endif  // REGISTRY_GATEWAY_REQUEST_CONTEXT_H_
