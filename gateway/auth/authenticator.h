// Who may use the registry API: each request under /v2 is authenticated
// before it is routed. Implementations write their challenge
// (WWW-Authenticate) on refusal. Thread-safe.
#ifndef REGISTRY_GATEWAY_AUTH_AUTHENTICATOR_H_
#define REGISTRY_GATEWAY_AUTH_AUTHENTICATOR_H_

#include <httplib.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/auth/htpasswd.h"
#include "gateway/auth/jwt.h"

namespace registry::gateway {

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // The user making `request`, or Unauthenticated (credentials missing or
  // wrong) / PermissionDenied (not allowed this request), having set the
  // challenge header on `response`.
  virtual absl::StatusOr<std::string> Authenticate(
      const httplib::Request& request, httplib::Response& response) = 0;
  // Whether users hold rights per repository (then a blob may be linked
  // into a repository only from a source the user may pull: no mount
  // without `from`).
  virtual bool ScopedByRepository() const { return false; }
};

// HTTP Basic authentication against an htpasswd file; challenges with
// `Basic realm="<realm>"`.
std::unique_ptr<Authenticator> NewBasicAuthenticator(
    std::string realm, std::unique_ptr<Htpasswd> users);

struct TokenAuthOptions {
  std::string realm;            // The token server's URL, sent in challenges.
  std::string service;          // The audience tokens must name.
  std::string issuer;           // The issuer tokens must name.
  std::vector<PublicKey> keys;  // Keys of auth.token.rootcertbundle.
};

// Bearer tokens (JWT, RS256 or ES256) from a token server. Each request
// needs: pull (GET, HEAD), pull and push (POST, PATCH, PUT), delete
// (DELETE) on its repository, pull on the source of a cross-repository
// mount, registry:catalog:* for the catalog, and a valid token for /v2/.
// Missing or invalid tokens are Unauthenticated (401) and insufficient ones
// PermissionDenied (403 DENIED); both carry the challenge
// `Bearer realm="...",service="...",scope="..."`.
std::unique_ptr<Authenticator> NewTokenAuthenticator(TokenAuthOptions options);

}  // namespace registry::gateway

#endif  // REGISTRY_GATEWAY_AUTH_AUTHENTICATOR_H_
