// Token authentication end to end: skopeo through the full Bearer flow
// against a token server, and every way a token can be wrong or not enough
// (expired, not yet valid, signed by another key, wrong audience or issuer,
// missing scope for each verb, catalog, cross-repository mount).
#include <httplib.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/digest.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/gateway_process.h"
#include "tests/testing/oci_layout.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/test_certs.h"
#include "tests/testing/token_server.h"

namespace registry::testing {
namespace {

using Json = nlohmann::json;
using ::testing::HasSubstr;

constexpr char kService[] = "registry.test";
constexpr char kIssuer[] = "test-token-server";

class TokenAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TestCerts> certs = MakeTestCerts();
    ASSERT_OK(certs);
    certs_ = *std::move(certs);
    absl::StatusOr<std::unique_ptr<TokenServer>> tokens = TokenServer::Start(
        certs_.ca_key, kIssuer, kService,
        {{"writer", {"pw-w", {{"team/app", {"pull", "push"}}}}},
         {"reader", {"pw-r", {{"team/app", {"pull"}}}}}});
    ASSERT_OK(tokens);
    tokens_ = *std::move(tokens);
    // Both signers are trusted: the EC CA and the RSA certificate.
    std::string bundle = NewTempDir("bundle") + "/bundle.pem";
    ASSERT_OK(RunCommand({"/bin/sh", "-c",
                          absl::StrCat("cat ", certs_.ca_cert, " ",
                                       certs_.rsa_cert, " > ", bundle)},
                         absl::Seconds(5)));
    std::string config = NewTempDir("config") + "/gateway.yml";
    std::ofstream(config) << "log:\n  level: info\nauth:\n  token:\n"
                          << "    realm: " << tokens_->realm() << "\n"
                          << "    service: " << kService << "\n"
                          << "    issuer: " << kIssuer << "\n"
                          << "    rootcertbundle: " << bundle << "\n";
    absl::StatusOr<StoragedProcess> storaged =
        StartStoraged(NewTempDir("root"));
    ASSERT_OK(storaged);
    storaged_ = *std::move(storaged);
    absl::StatusOr<GatewayProcess> gateway =
        StartGateway(storaged_.address, {"--config=" + config});
    ASSERT_OK(gateway);
    gateway_ = *std::move(gateway);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", gateway_.port);
  }

  // A token with `access`, valid now, unless `overrides` say otherwise.
  std::string Token(Json access, Json overrides = Json::object(),
                    const std::string& key = "") {
    int64_t now = absl::ToUnixSeconds(absl::Now());
    Json claims = {{"iss", kIssuer},  {"sub", "tester"}, {"aud", kService},
                   {"exp", now + 60}, {"nbf", now - 5},  {"access", access}};
    for (auto& [name, value] : overrides.items()) claims[name] = value;
    absl::StatusOr<std::string> token =
        SignJwt(claims, key.empty() ? certs_.ca_key : key);
    EXPECT_OK(token);
    return token.ok() ? *token : "";
  }
  static Json Grant(const std::string& name, Json actions,
                    const std::string& type = "repository") {
    return Json::array(
        {{{"type", type}, {"name", name}, {"actions", actions}}});
  }
  // Pushes `blob` into team/src with a token for it alone.
  void PushToSource(const std::string& blob) {
    std::string digest = DigestOf(blob).ToString();
    auto pushed =
        client_->Post(("/v2/team/src/blobs/uploads/?digest=" + digest).c_str(),
                      Bearer(Token(Grant("team/src", {"pull", "push"}))), blob,
                      "application/octet-stream");
    ASSERT_TRUE(pushed);
    ASSERT_EQ(pushed->status, 201);
  }
  httplib::Headers Bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
  }

  TestCerts certs_;
  std::unique_ptr<TokenServer> tokens_;
  StoragedProcess storaged_;
  GatewayProcess gateway_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(TokenAuthTest, SkopeoRunsTheBearerFlow) {
  OciLayout source(NewTempDir("src"));
  absl::StatusOr<OciDescriptor> image = source.AddImage({16 << 10}, "amd64", 2);
  ASSERT_OK(image);
  source.Tag("v1", *image);
  ASSERT_OK(source.Finish());
  std::string ref = absl::StrCat("docker://", gateway_.host, "/team/app:v1");
  std::string layout = "oci:" + source.dir() + ":v1";
  EXPECT_FALSE(Skopeo({"copy", "--dest-tls-verify=false", layout, ref}).ok());
  EXPECT_FALSE(Skopeo({"copy", "--dest-tls-verify=false",
                       "--dest-creds=reader:pw-r", layout, ref})
                   .ok());
  ASSERT_OK(Skopeo({"copy", "--dest-tls-verify=false",
                    "--dest-creds=writer:pw-w", layout, ref}));
  ASSERT_OK(
      Skopeo({"inspect", "--tls-verify=false", "--creds=reader:pw-r", ref}));
  std::string back = NewTempDir("back");
  ASSERT_OK(Skopeo({"copy", "--src-tls-verify=false", "--src-creds=reader:pw-r",
                    ref, "oci:" + back + ":v1"}));
  EXPECT_EQ(LayoutBlobs(back), LayoutBlobs(source.dir()));
  EXPECT_OK(
      gateway_.process->WaitForLog("\"user\":\"writer\"", absl::Seconds(5)));
}

TEST_F(TokenAuthTest, TheChallengeNamesRealmServiceAndScope) {
  auto response = client_->Get("/v2/team/app/manifests/v1");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 401);
  EXPECT_THAT(response->body, HasSubstr("\"UNAUTHORIZED\""));
  EXPECT_EQ(response->get_header_value("WWW-Authenticate"),
            absl::StrCat("Bearer realm=\"", tokens_->realm(), "\",service=\"",
                         kService, "\",scope=\"repository:team/app:pull\""));
  auto push = client_->Post("/v2/team/app/blobs/uploads/", "", "");
  EXPECT_THAT(push->get_header_value("WWW-Authenticate"),
              HasSubstr("scope=\"repository:team/app:pull,push\""));
  auto base = client_->Get("/v2/");
  EXPECT_EQ(base->status, 401);
  EXPECT_THAT(base->get_header_value("WWW-Authenticate"),
              ::testing::Not(HasSubstr("scope=")));
  EXPECT_EQ(client_->Get("/v2/", Bearer(Token(Json::array())))->status, 200);
}

TEST_F(TokenAuthTest, WrongTokensAreUnauthorized) {
  Json pull = Grant("team/app", {"pull"});
  int64_t now = absl::ToUnixSeconds(absl::Now());
  const std::vector<std::pair<std::string, std::string>> wrong = {
      {"expired", Token(pull, {{"exp", now - 1}})},
      {"not yet valid", Token(pull, {{"nbf", now + 120}})},
      {"wrong audience", Token(pull, {{"aud", "another.registry"}})},
      {"wrong issuer", Token(pull, {{"iss", "someone-else"}})},
      {"no expiry", Token(pull, {{"exp", nullptr}})},
      {"foreign signer", Token(pull, {}, certs_.stranger_key)},
      {"tampered", Token(pull) + "x"},
      {"not a jwt", "abc.def"},
  };
  for (const auto& [why, token] : wrong) {
    auto response = client_->Get("/v2/team/app/tags/list", Bearer(token));
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 401) << why;
    EXPECT_THAT(response->get_header_value("WWW-Authenticate"),
                HasSubstr("error=\"invalid_token\""))
        << why;
  }
  // The same claims, rightly signed (EC and RSA), get in.
  EXPECT_EQ(client_->Get("/v2/team/app/tags/list", Bearer(Token(pull)))->status,
            404);  // NAME_UNKNOWN: authorized, nothing pushed yet.
  EXPECT_EQ(client_
                ->Get("/v2/team/app/tags/list",
                      Bearer(Token(pull, {}, certs_.rsa_key)))
                ->status,
            404);
}

TEST_F(TokenAuthTest, EachVerbNeedsItsScope) {
  std::string pull_only = Token(Grant("team/app", {"pull"}));
  std::string blob = "layer";
  std::string digest = DigestOf(blob).ToString();
  auto denied =
      client_->Post(("/v2/team/app/blobs/uploads/?digest=" + digest).c_str(),
                    Bearer(pull_only), blob, "application/octet-stream");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 403);
  EXPECT_THAT(denied->body, HasSubstr("\"DENIED\""));
  EXPECT_THAT(denied->get_header_value("WWW-Authenticate"),
              HasSubstr("error=\"insufficient_scope\""));
  // Another repository's grant does not count.
  EXPECT_EQ(client_
                ->Get("/v2/team/app/tags/list",
                      Bearer(Token(Grant("team/other", {"*"}))))
                ->status,
            403);

  std::string writer = Token(Grant("team/app", {"pull", "push"}));
  auto pushed =
      client_->Post(("/v2/team/app/blobs/uploads/?digest=" + digest).c_str(),
                    Bearer(writer), blob, "application/octet-stream");
  ASSERT_TRUE(pushed);
  EXPECT_EQ(pushed->status, 201);
  EXPECT_EQ(
      client_->Delete(("/v2/team/app/blobs/" + digest).c_str(), Bearer(writer))
          ->status,
      403);
  EXPECT_EQ(client_
                ->Delete(("/v2/team/app/blobs/" + digest).c_str(),
                         Bearer(Token(Grant("team/app", {"delete"}))))
                ->status,
            202);

  EXPECT_EQ(client_->Get("/v2/_catalog", Bearer(writer))->status, 403);
  EXPECT_EQ(client_
                ->Get("/v2/_catalog",
                      Bearer(Token(Grant("catalog", {"*"}, "registry"))))
                ->status,
            200);
}

TEST_F(TokenAuthTest, AMountNeedsPullOnTheSource) {
  std::string blob = "shared";
  std::string digest = DigestOf(blob).ToString();
  ASSERT_NO_FATAL_FAILURE(PushToSource(blob));
  std::string mount = absl::StrCat("/v2/team/dst/blobs/uploads/?mount=", digest,
                                   "&from=team/src");
  auto refused = client_->Post(
      mount.c_str(), Bearer(Token(Grant("team/dst", {"pull", "push"}))), "",
      "application/octet-stream");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);
  Json both = Grant("team/dst", {"pull", "push"});
  both.push_back(Grant("team/src", {"pull"})[0]);
  auto mounted = client_->Post(mount.c_str(), Bearer(Token(both)), "",
                               "application/octet-stream");
  ASSERT_TRUE(mounted);
  EXPECT_EQ(mounted->status, 201);
}

// Issue 11 (1): without `from`, a mount could link any repository's blob.
TEST_F(TokenAuthTest, AMountWithoutSourceNeverLinksAnotherRepositorysBlob) {
  std::string blob = "private bytes of team/src";
  std::string digest = DigestOf(blob).ToString();
  ASSERT_NO_FATAL_FAILURE(PushToSource(blob));
  std::string dst = Token(Grant("team/dst", {"pull", "push"}));
  auto mount =
      client_->Post(("/v2/team/dst/blobs/uploads/?mount=" + digest).c_str(),
                    Bearer(dst), "", "application/octet-stream");
  ASSERT_TRUE(mount);
  EXPECT_EQ(mount->status, 202);  // An ordinary upload starts instead.
  EXPECT_THAT(mount->get_header_value("Location"),
              HasSubstr("/v2/team/dst/blobs/uploads/"));
  auto read =
      client_->Get(("/v2/team/dst/blobs/" + digest).c_str(), Bearer(dst));
  ASSERT_TRUE(read);
  EXPECT_EQ(read->status, 404);
  EXPECT_THAT(read->body, ::testing::Not(HasSubstr("private")));
}

// Issue 11 (2): HEAD on an upload URL was answered without credentials.
TEST_F(TokenAuthTest, EveryMethodOnAnUploadNeedsItsScope) {
  std::string writer = Token(Grant("team/app", {"pull", "push"}));
  auto started = client_->Post("/v2/team/app/blobs/uploads/", Bearer(writer),
                               "", "application/octet-stream");
  ASSERT_TRUE(started);
  ASSERT_EQ(started->status, 202);
  std::string location = started->get_header_value("Location");
  std::string other = Token(Grant("team/other", {"*"}));
  for (const char* method : {"HEAD", "GET", "DELETE"}) {
    httplib::Request anonymous;
    anonymous.method = method;
    anonymous.path = location;
    auto refused = client_->send(anonymous);
    ASSERT_TRUE(refused) << method;
    EXPECT_EQ(refused->status, 401) << method;
    EXPECT_FALSE(refused->has_header("Docker-Upload-UUID")) << method;
    httplib::Request foreign = anonymous;
    foreign.headers = Bearer(other);
    auto denied = client_->send(foreign);
    ASSERT_TRUE(denied) << method;
    EXPECT_EQ(denied->status, 403) << method;
    EXPECT_FALSE(denied->has_header("Range")) << method;
  }
  httplib::Request head;
  head.method = "HEAD";
  head.path = location;
  head.headers = Bearer(writer);
  auto allowed = client_->send(head);
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 204);
}

// Issue 11 (3): a name could smuggle a second realm into the challenge.
TEST_F(TokenAuthTest, NoNameCanAddToTheChallenge) {
  auto injected =
      client_->Get("/v2/a%22,realm=%22https://evil.example/steal/tags/list");
  ASSERT_TRUE(injected);
  EXPECT_EQ(injected->status, 400);
  EXPECT_THAT(injected->body, HasSubstr("\"NAME_INVALID\""));
  EXPECT_THAT(injected->get_header_value("WWW-Authenticate"),
              ::testing::Not(HasSubstr("evil")));
  std::string digest = DigestOf("x").ToString();
  auto from = client_->Post(("/v2/team/app/blobs/uploads/?mount=" + digest +
                             "&from=a%22,realm=%22https://evil.example/")
                                .c_str(),
                            "", "application/octet-stream");
  ASSERT_TRUE(from);
  EXPECT_EQ(from->status, 401);
  std::string challenge = from->get_header_value("WWW-Authenticate");
  EXPECT_THAT(challenge, ::testing::Not(HasSubstr("evil")));
  EXPECT_EQ(challenge.find("realm="), challenge.rfind("realm="));
}

std::string UnsignedJwt(const Json& header, const Json& claims) {
  return absl::StrCat(absl::WebSafeBase64Escape(header.dump()), ".",
                      absl::WebSafeBase64Escape(claims.dump()), ".c2ln");
}

// Issue 11 (4): claims of the wrong JSON type threw out of the handler
// (500, the exception text in a header).
TEST_F(TokenAuthTest, TokensOfAnyShapeAreRefusedWithoutExceptionText) {
  Json claims = {{"iss", kIssuer}, {"aud", kService}, {"exp", 4102444800}};
  const std::vector<std::pair<std::string, std::string>> malformed = {
      {"alg is a number", UnsignedJwt({{"alg", 5}}, claims)},
      {"alg is null", UnsignedJwt({{"alg", nullptr}}, claims)},
      {"alg is an object", UnsignedJwt({{"alg", {{"x", 1}}}}, claims)},
      {"header is an array", UnsignedJwt(Json::array({1}), claims)},
      {"iss is a number", Token(Grant("team/app", {"pull"}), {{"iss", 5}})},
      {"exp is a string", Token(Grant("team/app", {"pull"}), {{"exp", "x"}})},
  };
  for (const auto& [why, token] : malformed) {
    auto response = client_->Get("/v2/team/app/tags/list", Bearer(token));
    ASSERT_TRUE(response) << why;
    EXPECT_EQ(response->status, 401) << why;
    EXPECT_FALSE(response->has_header("EXCEPTION_WHAT")) << why;
    EXPECT_THAT(response->body, HasSubstr("\"UNAUTHORIZED\"")) << why;
  }
  // Signed tokens whose other claims have odd types: no grant, no crash.
  const std::vector<std::pair<std::string, std::string>> odd = {
      {"sub is a number", Token(Grant("team/app", {"pull"}), {{"sub", 7}})},
      {"access type is a number",
       Token(Json::array({{{"type", 5}, {"name", "team/app"}}}))},
      {"access is a string", Token("everything")},
  };
  for (const auto& [why, token] : odd) {
    auto response = client_->Get("/v2/team/app/tags/list", Bearer(token));
    ASSERT_TRUE(response) << why;
    EXPECT_NE(response->status, 500) << why;
    EXPECT_FALSE(response->has_header("EXCEPTION_WHAT")) << why;
  }
}

TEST_F(TokenAuthTest, TheSchemeIsCaseInsensitive) {
  std::string token = Token(Grant("team/app", {"pull"}));
  for (const char* scheme : {"bearer ", "BEARER ", "Bearer  "}) {
    auto response = client_->Get("/v2/team/app/tags/list",
                                 {{"Authorization", scheme + token}});
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 404) << scheme;  // Authorized; no tags yet.
  }
}

}  // namespace
}  // namespace registry::testing
