// JSON Web Tokens (RFC 7519) as registry token servers issue them, verified
// with OpenSSL: RS256 and ES256 signatures against the public keys of a
// certificate bundle, then the issuer, audience, expiry and not-before
// claims. Pure functions over immutable keys; thread-safe.
#ifndef REGISTRY_GATEWAY_AUTH_JWT_H_
#define REGISTRY_GATEWAY_AUTH_JWT_H_

#include <openssl/evp.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace registry::gateway {

struct PublicKeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PublicKey = std::unique_ptr<EVP_PKEY, PublicKeyDeleter>;

// The public keys of every certificate in a PEM bundle. InvalidArgument
// when the file holds none; NotFound when it cannot be read.
absl::StatusOr<std::vector<PublicKey>> LoadCertificateKeys(
    const std::string& path);

struct JwtExpectations {
  std::string issuer;    // "iss" must equal it (when not empty).
  std::string audience;  // "aud" (a string or a list) must contain it.
  absl::Time now;
};

// The claims of `token` when its signature verifies with one of `keys`
// (RS256 with an RSA key, ES256 with a P-256 key) and its claims meet
// `expect`; Unauthenticated with the reason otherwise.
absl::StatusOr<nlohmann::json> VerifyJwt(absl::string_view token,
                                         const std::vector<PublicKey>& keys,
                                         const JwtExpectations& expect);

}  // namespace registry::gateway

#endif  // REGISTRY_GATEWAY_AUTH_JWT_H_
