// libFuzzer target: JWT verification. Odd first byte: the input is a raw
// token. Even: the input is "<header JSON>\n<claims JSON>", signed here with
// the trusted key, so that the claim checks behind the signature are
// reached with any JSON.
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/time/clock.h"
#include "gateway/auth/jwt.h"

using registry::gateway::PublicKey;

namespace {

EVP_PKEY* g_key = nullptr;
std::vector<PublicKey>* g_keys = nullptr;

// ES256: the raw r||s signature of `signed_part`.
std::string Sign(absl::string_view signed_part) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t len = 0;
  std::string der;
  if (EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, g_key) == 1 &&
      EVP_DigestSign(ctx, nullptr, &len,
                     reinterpret_cast<const unsigned char*>(signed_part.data()),
                     signed_part.size()) == 1) {
    der.resize(len);
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(der.data()), &len,
                   reinterpret_cast<const unsigned char*>(signed_part.data()),
                   signed_part.size());
    der.resize(len);
  }
  EVP_MD_CTX_free(ctx);
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  std::string raw(64, '\0');
  if (sig != nullptr) {
    BN_bn2binpad(ECDSA_SIG_get0_r(sig),
                 reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig),
                 reinterpret_cast<unsigned char*>(raw.data() + 32), 32);
    ECDSA_SIG_free(sig);
  }
  return raw;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_key = EVP_EC_gen("P-256");
  EVP_PKEY_up_ref(g_key);
  g_keys = new std::vector<PublicKey>();
  g_keys->emplace_back(g_key);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  absl::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string token;
  if (data[0] & 1) {
    token = std::string(input);
  } else {
    size_t nl = input.find('\n');
    if (nl == absl::string_view::npos) return 0;
    std::string signed_part = absl::WebSafeBase64Escape(input.substr(0, nl)) +
                              "." +
                              absl::WebSafeBase64Escape(input.substr(nl + 1));
    token = signed_part + "." + absl::WebSafeBase64Escape(Sign(signed_part));
  }
  registry::gateway::VerifyJwt(token, *g_keys,
                               {"issuer", "service", absl::Now()})
      .IgnoreError();
  return 0;
}
