#include "gateway/auth/jwt.h"

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/auth/credentials.h"

namespace registry::gateway {
namespace {

absl::Status Refused(absl::string_view why) {
  return absl::UnauthenticatedError(absl::StrCat("invalid token: ", why));
}

// ES256 signs r||s (32 bytes each); OpenSSL verifies DER.
std::string RawToDer(absl::string_view raw) {
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32,
                        nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data() + 32),
                        32, nullptr);
  ECDSA_SIG_set0(sig, r, s);
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig, &der);
  std::string out =
      len > 0 ? std::string(reinterpret_cast<char*>(der), len) : std::string();
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

bool Verifies(EVP_PKEY* key, absl::string_view signed_part,
              absl::string_view signature) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(
          ctx, reinterpret_cast<const unsigned char*>(signature.data()),
          signature.size(),
          reinterpret_cast<const unsigned char*>(signed_part.data()),
          signed_part.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

absl::StatusOr<nlohmann::json> DecodePart(absl::string_view part,
                                          const char* what) {
  std::string text;
  if (!absl::WebSafeBase64Unescape(part, &text)) {
    return Refused(absl::StrCat("the ", what, " is not base64url"));
  }
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return Refused(absl::StrCat("the ", what, " is not a JSON object"));
  }
  return json;
}

bool AudienceMatches(const nlohmann::json& aud, const std::string& want) {
  if (aud.is_string()) return aud.get<std::string>() == want;
  if (!aud.is_array()) return false;
  for (const auto& item : aud) {
    if (item.is_string() && item.get<std::string>() == want) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<std::vector<PublicKey>> LoadCertificateKeys(
    const std::string& path) {
  FILE* file = fopen(path.c_str(), "r");
  if (file == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("cannot read the token certificate bundle ", path));
  }
  std::vector<PublicKey> keys;
  while (X509* cert = PEM_read_X509(file, nullptr, nullptr, nullptr)) {
    if (EVP_PKEY* key = X509_get_pubkey(cert)) keys.emplace_back(key);
    X509_free(cert);
  }
  fclose(file);
  if (keys.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " holds no PEM certificate"));
  }
  return keys;
}

absl::StatusOr<nlohmann::json> VerifyJwt(absl::string_view token,
                                         const std::vector<PublicKey>& keys,
                                         const JwtExpectations& expect) {
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) return Refused("not a JWT");
  absl::StatusOr<nlohmann::json> header = DecodePart(parts[0], "header");
  if (!header.ok()) return header.status();
  std::string signature;
  if (!absl::WebSafeBase64Unescape(parts[2], &signature)) {
    return Refused("the signature is not base64url");
  }
  std::string alg = JsonString(*header, "alg");
  int wanted_type;
  if (alg == "RS256") {
    wanted_type = EVP_PKEY_RSA;
  } else if (alg == "ES256") {
    if (signature.size() != 64) return Refused("malformed ES256 signature");
    signature = RawToDer(signature);
    wanted_type = EVP_PKEY_EC;
  } else {
    return Refused("the algorithm is not RS256 or ES256");
  }
  absl::string_view signed_part =
      token.substr(0, parts[0].size() + 1 + parts[1].size());
  bool verified = false;
  for (const PublicKey& key : keys) {
    if (EVP_PKEY_base_id(key.get()) != wanted_type) continue;
    if (Verifies(key.get(), signed_part, signature)) {
      verified = true;
      break;
    }
  }
  if (!verified) return Refused("the signature does not verify");

  absl::StatusOr<nlohmann::json> claims = DecodePart(parts[1], "payload");
  if (!claims.ok()) return claims.status();
  if (!expect.issuer.empty() && JsonString(*claims, "iss") != expect.issuer) {
    return Refused("wrong issuer");
  }
  if (!claims->contains("aud") ||
      !AudienceMatches((*claims)["aud"], expect.audience)) {
    return Refused("wrong audience");
  }
  int64_t now = absl::ToUnixSeconds(expect.now);
  if (!claims->contains("exp") || !(*claims)["exp"].is_number() ||
      (*claims)["exp"].get<double>() <= static_cast<double>(now)) {
    return Refused("expired");
  }
  if (claims->contains("nbf") && (*claims)["nbf"].is_number() &&
      (*claims)["nbf"].get<double>() > static_cast<double>(now)) {
    return Refused("not valid yet");
  }
  return claims;
}

}  // namespace registry::gateway
