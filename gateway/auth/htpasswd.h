// Users and passwords from an Apache htpasswd file with bcrypt hashes
// ($2y$, $2b$, $2a$; as `htpasswd -B` writes), checked with libcrypt's
// crypt_r. bcrypt is slow on purpose, so a successful check is remembered
// for a minute (by SHA-256 of user and password, in memory). Thread-safe.
#ifndef REGISTRY_GATEWAY_AUTH_HTPASSWD_H_
#define REGISTRY_GATEWAY_AUTH_HTPASSWD_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace registry::gateway {

class Htpasswd {
 public:
  // Reads `path`. NotFound when unreadable; InvalidArgument naming the line
  // for a malformed entry or a hash other than bcrypt.
  static absl::StatusOr<std::unique_ptr<Htpasswd>> Load(
      const std::string& path);
  // The entries of `text` (the file's content; `origin` names it in
  // messages). Each is "user:hash" with a well-formed bcrypt hash
  // ("$2y$NN$" and 53 characters, cost 4 to 31).
  static absl::StatusOr<std::unique_ptr<Htpasswd>> Parse(
      absl::string_view text, const std::string& origin);

  // Whether `user` exists and `password` is theirs.
  bool Verify(absl::string_view user, absl::string_view password);

 private:
  explicit Htpasswd(std::map<std::string, std::string> hashes)
      : hashes_(std::move(hashes)) {}

  const std::map<std::string, std::string> hashes_;
  absl::Mutex mu_;
  std::map<std::string, absl::Time> verified_ ABSL_GUARDED_BY(mu_);
};

}  // namespace registry::gateway

#endif  // REGISTRY_GATEWAY_AUTH_HTPASSWD_H_
