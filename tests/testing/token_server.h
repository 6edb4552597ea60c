// A registry token server for tests (the Docker Registry token flow):
// GET /token?service=..&scope=.. with Basic credentials answers a JWT
// granting, of the scopes asked, what the user's policy allows. Also signs
// arbitrary claims, for tokens no honest server issues. Not thread-safe
// apart from the serving thread.
#ifndef REGISTRY_TESTS_TESTING_TOKEN_SERVER_H_
#define REGISTRY_TESTS_TESTING_TOKEN_SERVER_H_

#include <httplib.h>

#include <atomic>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace registry::testing {

// Signs `claims` as a JWT with the PEM private key at `key_path` (ES256
// for an EC key, RS256 for an RSA key).
absl::StatusOr<std::string> SignJwt(const nlohmann::json& claims,
                                    const std::string& key_path);

struct TokenPolicy {
  std::string password;
  // Repository name ("*" for any) -> actions granted ("pull", "push",
  // "delete", "*"); "registry:catalog" grants the catalog.
  std::map<std::string, std::vector<std::string>> grants;
};

class TokenServer {
 public:
  // Serves on a free loopback port, issuing tokens for `service` signed
  // with `key_path` as `issuer`; `users` by name ("" for anonymous).
  static absl::StatusOr<std::unique_ptr<TokenServer>> Start(
      std::string key_path, std::string issuer, std::string service,
      std::map<std::string, TokenPolicy> users);
  ~TokenServer();

  // "http://127.0.0.1:<port>/token".
  std::string realm() const;

  // Token requests answered so far (issued or refused).
  int requests() const { return requests_; }

 private:
  TokenServer() = default;
  void Handle(const httplib::Request& req, httplib::Response& res);

  std::string key_path_, issuer_, service_;
  std::map<std::string, TokenPolicy> users_;
  httplib::Server http_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> requests_{0};
};

}  // namespace registry::testing

#endif  // REGISTRY_TESTS_TESTING_TOKEN_SERVER_H_
