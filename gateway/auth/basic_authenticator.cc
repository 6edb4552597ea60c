// HTTP Basic authentication (RFC 7617) against an htpasswd file.
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gateway/auth/authenticator.h"
#include "gateway/auth/credentials.h"

namespace registry::gateway {
namespace {

class BasicAuthenticator final : public Authenticator {
 public:
  BasicAuthenticator(std::string realm, std::unique_ptr<Htpasswd> users)
      : challenge_(absl::StrCat("Basic realm=\"", realm, "\"")),
        users_(std::move(users)) {}

  absl::StatusOr<std::string> Authenticate(
      const httplib::Request& request, httplib::Response& response) override {
    const std::string header = request.get_header_value("Authorization");
    absl::optional<absl::string_view> credentials =
        CredentialsOf(header, "Basic");
    std::string decoded;
    if (credentials.has_value() &&
        absl::Base64Unescape(*credentials, &decoded)) {
      size_t colon = decoded.find(':');
      if (colon != std::string::npos &&
          users_->Verify(absl::string_view(decoded).substr(0, colon),
                         absl::string_view(decoded).substr(colon + 1))) {
        return decoded.substr(0, colon);
      }
    }
    response.set_header("WWW-Authenticate", challenge_);
    return absl::UnauthenticatedError(
        header.empty() && decoded.empty()
            ? "authentication required"
            : "the user name or password is wrong");
  }

 private:
  const std::string challenge_;
  const std::unique_ptr<Htpasswd> users_;
};

}  // namespace

std::unique_ptr<Authenticator> NewBasicAuthenticator(
    std::string realm, std::unique_ptr<Htpasswd> users) {
  return std::make_unique<BasicAuthenticator>(std::move(realm),
                                              std::move(users));
}

}  // namespace registry::gateway
