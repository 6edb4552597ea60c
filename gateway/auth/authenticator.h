// Who may use the registry API: each request under /v2 is authenticated
// before it is routed. Implementations write their challenge
// (WWW-Authenticate) on refusal. Thread-safe.
#ifndef REGISTRY_GATEWAY_AUTH_AUTHENTICATOR_H_
#define REGISTRY_GATEWAY_AUTH_AUTHENTICATOR_H_

#include <httplib.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gateway/auth/htpasswd.h"

namespace registry::gateway {

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // The user making `request`, or Unauthenticated (credentials missing or
  // wrong) / PermissionDenied (not allowed this request), having set the
  // challenge header on `response`.
  virtual absl::StatusOr<std::string> Authenticate(
      const httplib::Request& request, httplib::Response& response) = 0;
};

// HTTP Basic authentication against an htpasswd file; challenges with
// `Basic realm="<realm>"`.
std::unique_ptr<Authenticator> NewBasicAuthenticator(
    std::string realm, std::unique_ptr<Htpasswd> users);

}  // namespace registry::gateway

#endif  // REGISTRY_GATEWAY_AUTH_AUTHENTICATOR_H_
