#include "gateway/auth/htpasswd.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace registry::gateway {
namespace {

constexpr absl::Duration kRemember = absl::Minutes(1);

std::string CacheKey(absl::string_view user, absl::string_view password) {
  std::string input = absl::StrCat(user, std::string(1, '\0'), password);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), out, &len, EVP_sha256(), nullptr);
  OPENSSL_cleanse(input.data(), input.size());
  return std::string(reinterpret_cast<char*>(out), len);
}

// "$2a$", "$2b$" or "$2y$", a two-digit cost from 4 to 31, "$", then 53
// characters of bcrypt's base64 (salt and hash).
bool IsBcrypt(absl::string_view hash) {
  if (hash.size() != 60 ||
      !(absl::StartsWith(hash, "$2y$") || absl::StartsWith(hash, "$2b$") ||
        absl::StartsWith(hash, "$2a$")) ||
      !absl::ascii_isdigit(hash[4]) || !absl::ascii_isdigit(hash[5]) ||
      hash[6] != '$') {
    return false;
  }
  int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
  if (cost < 4 || cost > 31) return false;
  for (char c : hash.substr(7)) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '/') return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Htpasswd>> Htpasswd::Load(
    const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read htpasswd file ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

absl::StatusOr<std::unique_ptr<Htpasswd>> Htpasswd::Parse(
    absl::string_view text, const std::string& origin) {
  std::map<std::string, std::string> hashes;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    absl::string_view entry = absl::StripAsciiWhitespace(line);
    if (entry.empty() || entry[0] == '#') continue;
    size_t colon = entry.find(':');
    absl::string_view hash =
        colon == absl::string_view::npos ? "" : entry.substr(colon + 1);
    if (colon == 0 || colon == absl::string_view::npos || !IsBcrypt(hash)) {
      return absl::InvalidArgumentError(absl::StrCat(
          origin, ":", number,
          ": want user:bcrypt-hash ($2y$...; htpasswd -B writes them)"));
    }
    hashes[std::string(entry.substr(0, colon))] = std::string(hash);
  }
  return std::unique_ptr<Htpasswd>(new Htpasswd(std::move(hashes)));
}

bool Htpasswd::Verify(absl::string_view user, absl::string_view password) {
  // crypt() reads a C string: "secret\0anything" would pass as "secret".
  if (password.find('\0') != absl::string_view::npos) return false;
  auto it = hashes_.find(std::string(user));
  if (it == hashes_.end()) return false;
  std::string key = CacheKey(user, password);
  absl::Time now = absl::Now();
  {
    absl::MutexLock lock(&mu_);
    auto cached = verified_.find(key);
    if (cached != verified_.end() && cached->second > now) return true;
  }
  crypt_data data{};
  std::string secret(password);
  const char* hashed = crypt_r(secret.c_str(), it->second.c_str(), &data);
  OPENSSL_cleanse(secret.data(), secret.size());
  bool ok = hashed != nullptr && hashed[0] != '*' &&
            it->second.size() == strlen(hashed) &&
            CRYPTO_memcmp(hashed, it->second.data(), it->second.size()) == 0;
  if (ok) {
    absl::MutexLock lock(&mu_);
    if (verified_.size() > 10000) verified_.clear();
    verified_[key] = now + kRemember;
  }
  return ok;
}

}  // namespace registry::gateway
