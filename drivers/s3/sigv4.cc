#include "drivers/s3/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace registry::drivers::s3 {
namespace {

constexpr char kAlgorithm[] = "AWS4-HMAC-SHA256";
constexpr char kService[] = "s3";

std::string Hmac(absl::string_view key, absl::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
       &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Scope(absl::string_view day, absl::string_view region) {
  return absl::StrCat(day, "/", region, "/", kService, "/aws4_request");
}

// The signature of `string_to_sign` with the key derived for `day`.
std::string Sign(const Credentials& credentials, absl::string_view day,
                 absl::string_view region, absl::string_view string_to_sign) {
  std::string key = Hmac(absl::StrCat("AWS4", credentials.secret_key), day);
  key = Hmac(key, region);
  key = Hmac(key, kService);
  key = Hmac(key, "aws4_request");
  return absl::BytesToHexString(Hmac(key, string_to_sign));
}

std::string StringToSign(absl::string_view amz_date, absl::string_view scope,
                         absl::string_view canonical_request) {
  return absl::StrCat(kAlgorithm, "\n", amz_date, "\n", scope, "\n",
                      HexSha256(canonical_request));
}

// Lowercased, trimmed and sorted headers: "name:value\n..." and "a;b;c".
std::pair<std::string, std::string> CanonicalHeaders(const KeyValues& headers) {
  KeyValues sorted;
  for (const auto& [name, value] : headers) {
    sorted.emplace_back(absl::AsciiStrToLower(name),
                        std::string(absl::StripAsciiWhitespace(value)));
  }
  std::sort(sorted.begin(), sorted.end());
  std::string canonical;
  std::vector<std::string> names;
  for (const auto& [name, value] : sorted) {
    absl::StrAppend(&canonical, name, ":", value, "\n");
    names.push_back(name);
  }
  return {canonical, absl::StrJoin(names, ";")};
}

}  // namespace

std::string UriEncode(absl::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' ||
        c == '~' || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string HexSha256(absl::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<char*>(out), len));
}

std::string AmzDate(absl::Time time) {
  return absl::FormatTime("%Y%m%dT%H%M%SZ", time, absl::UTCTimeZone());
}

std::string CanonicalQuery(const KeyValues& query) {
  std::vector<std::string> parts;
  for (const auto& [name, value] : query) {
    parts.push_back(
        absl::StrCat(UriEncode(name, false), "=", UriEncode(value, false)));
  }
  std::sort(parts.begin(), parts.end());
  return absl::StrJoin(parts, "&");
}

std::string Authorization(const RequestToSign& request,
                          const Credentials& credentials,
                          absl::string_view region, absl::Time time) {
  std::string amz_date = AmzDate(time);
  std::string day = amz_date.substr(0, 8);
  auto [headers, signed_headers] = CanonicalHeaders(request.headers);
  std::string canonical_request =
      absl::StrCat(request.method, "\n", request.encoded_path, "\n",
                   CanonicalQuery(request.query), "\n", headers, "\n",
                   signed_headers, "\n", request.payload_hash);
  std::string scope = Scope(day, region);
  return absl::StrCat(kAlgorithm, " Credential=", credentials.access_key, "/",
                      scope, ",SignedHeaders=", signed_headers, ",Signature=",
                      Sign(credentials, day, region,
                           StringToSign(amz_date, scope, canonical_request)));
}

std::string PresignedGetQuery(absl::string_view encoded_path,
                              absl::string_view host,
                              const Credentials& credentials,
                              absl::string_view region, absl::Time time,
                              absl::Duration expires) {
  std::string amz_date = AmzDate(time);
  std::string day = amz_date.substr(0, 8);
  std::string scope = Scope(day, region);
  int64_t seconds =
      std::clamp<int64_t>(absl::ToInt64Seconds(expires), 1, 7 * 24 * 3600);
  KeyValues query = {
      {"X-Amz-Algorithm", kAlgorithm},
      {"X-Amz-Credential", absl::StrCat(credentials.access_key, "/", scope)},
      {"X-Amz-Date", amz_date},
      {"X-Amz-Expires", absl::StrCat(seconds)},
      {"X-Amz-SignedHeaders", "host"},
  };
  if (!credentials.session_token.empty()) {
    query.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  std::string canonical_request =
      absl::StrCat("GET\n", encoded_path, "\n", CanonicalQuery(query),
                   "\nhost:", host, "\n\nhost\nUNSIGNED-PAYLOAD");
  query.emplace_back("X-Amz-Signature",
                     Sign(credentials, day, region,
                          StringToSign(amz_date, scope, canonical_request)));
  return CanonicalQuery(query);
}

}  // namespace registry::drivers::s3
