// Bearer token authentication (the Docker Registry token flow): a client
// without a token is sent to the token server by the challenge; a token is
// a JWT from that server whose "access" claim must grant the scopes the
// request needs.
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/names.h"
#include "gateway/auth/authenticator.h"
#include "gateway/auth/credentials.h"
#include "gateway/request_info.h"

namespace registry::gateway {
namespace {

struct Scope {
  std::string type;  // "repository" or "registry".
  std::string name;
  std::vector<std::string> actions;

  std::string ToString() const {
    return absl::StrCat(type, ":", name, ":", absl::StrJoin(actions, ","));
  }
};

// What `request` needs: nothing beyond a valid token for /v2/ itself.
std::vector<Scope> RequiredScopes(const httplib::Request& request) {
  RequestInfo info = ClassifyRequest(request.method, request.path);
  if (info.route == "catalog") return {{"registry", "catalog", {"*"}}};
  if (info.repository.empty()) return {};
  std::vector<Scope> scopes;
  if (info.action == "push") {
    scopes.push_back({"repository", info.repository, {"pull", "push"}});
  } else {
    scopes.push_back({"repository", info.repository, {info.action}});
  }
  // A mount needs pull on its source (the challenge asks for it only when
  // the source is a valid name; without one the handler does not mount).
  if (info.route == "uploads" && request.has_param("mount") &&
      RepositoryName::Parse(request.get_param_value("from")).ok()) {
    scopes.push_back({"repository", request.get_param_value("from"), {"pull"}});
  }
  return scopes;
}

// Whether the token's "access" claim grants every action of `scope`.
bool Granted(const nlohmann::json& claims, const Scope& scope) {
  auto access = claims.find("access");
  if (access == claims.end() || !access->is_array()) return false;
  std::set<std::string> actions;
  for (const auto& entry : *access) {
    if (JsonString(entry, "type") != scope.type ||
        JsonString(entry, "name") != scope.name) {
      continue;
    }
    auto granted = entry.find("actions");
    if (granted == entry.end() || !granted->is_array()) continue;
    for (const auto& action : *granted) {
      if (action.is_string()) actions.insert(action.get<std::string>());
    }
  }
  if (actions.count("*") > 0) return true;
  for (const std::string& action : scope.actions) {
    if (actions.count(action) == 0) return false;
  }
  return true;
}

class TokenAuthenticator final : public Authenticator {
 public:
  explicit TokenAuthenticator(TokenAuthOptions options)
      : options_(std::move(options)) {}

  absl::StatusOr<std::string> Authenticate(
      const httplib::Request& request, httplib::Response& response) override {
    std::vector<Scope> scopes = RequiredScopes(request);
    const std::string header = request.get_header_value("Authorization");
    absl::optional<absl::string_view> token = CredentialsOf(header, "Bearer");
    if (!token.has_value()) {
      Challenge(scopes, "", response);
      return absl::UnauthenticatedError("authentication required");
    }
    absl::StatusOr<nlohmann::json> claims =
        VerifyJwt(*token, options_.keys,
                  {options_.issuer, options_.service, absl::Now()});
    if (!claims.ok()) {
      Challenge(scopes, "invalid_token", response);
      return claims.status();
    }
    for (const Scope& scope : scopes) {
      if (!Granted(*claims, scope)) {
        Challenge(scopes, "insufficient_scope", response);
        return absl::PermissionDeniedError(absl::StrCat(
            "requested access to the resource is denied: the token does not "
            "grant ",
            scope.ToString()));
      }
    }
    return JsonString(*claims, "sub");
  }

  bool ScopedByRepository() const override { return true; }

 private:
  void Challenge(const std::vector<Scope>& scopes, absl::string_view error,
                 httplib::Response& response) const {
    std::string challenge = absl::StrCat(
        "Bearer realm=\"", QuotedStringContent(options_.realm), "\",service=\"",
        QuotedStringContent(options_.service), "\"");
    if (!scopes.empty()) {
      std::vector<std::string> texts;
      for (const Scope& scope : scopes) texts.push_back(scope.ToString());
      absl::StrAppend(&challenge, ",scope=\"",
                      QuotedStringContent(absl::StrJoin(texts, " ")), "\"");
    }
    if (!error.empty()) absl::StrAppend(&challenge, ",error=\"", error, "\"");
    response.set_header("WWW-Authenticate", challenge);
  }

  const TokenAuthOptions options_;
};

}  // namespace

std::unique_ptr<Authenticator> NewTokenAuthenticator(TokenAuthOptions options) {
  return std::make_unique<TokenAuthenticator>(std::move(options));
}

}  // namespace registry::gateway
