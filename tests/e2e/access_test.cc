// The gateway's access control and TLS with real clients: htpasswd Basic
// auth (challenge, wrong and unknown users, skopeo with credentials), HTTPS
// with a test CA (skopeo --dest-cert-dir with verification on), and clear
// start-up errors for bad configurations.
#include <httplib.h>

#include <fstream>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/docker_registry_process.h"
#include "tests/testing/gateway_process.h"
#include "tests/testing/oci_layout.h"
#include "tests/testing/raw_http.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/test_certs.h"

namespace registry::testing {
namespace {

using ::testing::HasSubstr;

std::string WriteFile(const std::string& name, const std::string& content) {
  std::string path = absl::StrCat(NewTempDir("files"), "/", name);
  std::ofstream(path) << content;
  return path;
}

absl::StatusOr<Registry> StartWithGatewayConfig(const std::string& yaml) {
  absl::StatusOr<StoragedProcess> storaged = StartStoraged(NewTempDir("root"));
  if (!storaged.ok()) return storaged.status();
  absl::StatusOr<GatewayProcess> gateway = StartGateway(
      storaged->address,
      {"--config=" + WriteFile("gateway.yml", "log:\n  level: info\n" + yaml)});
  if (!gateway.ok()) return gateway.status();
  return Registry{*std::move(storaged), *std::move(gateway)};
}

std::string PushableLayout() {
  OciLayout source(NewTempDir("src"));
  absl::StatusOr<OciDescriptor> image = source.AddImage({32 << 10}, "amd64", 5);
  EXPECT_OK(image);
  source.Tag("v1", *image);
  EXPECT_OK(source.Finish());
  return "oci:" + source.dir() + ":v1";
}

std::string BasicHeader(const std::string& user, const std::string& password) {
  return "Basic " + absl::Base64Escape(user + ":" + password);
}

TEST(AccessTest, HtpasswdBasicAuth) {
  std::string htpasswd =
      WriteFile("htpasswd", HtpasswdLine("alice", "wonderland") +
                                HtpasswdLine("bob", "builder"));
  absl::StatusOr<Registry> registry = StartWithGatewayConfig(
      "auth:\n  htpasswd:\n    realm: test-realm\n    path: " + htpasswd +
      "\n");
  ASSERT_OK(registry);
  httplib::Client client("127.0.0.1", registry->gateway.port);

  auto anonymous = client.Get("/v2/");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_EQ(anonymous->get_header_value("WWW-Authenticate"),
            "Basic realm=\"test-realm\"");
  EXPECT_THAT(anonymous->body, HasSubstr("\"UNAUTHORIZED\""));
  for (const auto& [user, password] :
       std::vector<std::pair<std::string, std::string>>{
           {"alice", "wrong"},
           {"mallory", "wonderland"},
           {"alice", ""},
           // Issue 11 (5): crypt() stopped at the NUL and let this in.
           {"alice", std::string("wonderland\0whatever", 19)}}) {
    auto refused =
        client.Get("/v2/", {{"Authorization", BasicHeader(user, password)}});
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 401) << user << ":" << password;
  }
  auto refused = client.Get("/v2/team/app/tags/list",
                            {{"Authorization", "Bearer not-a-password"}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  auto allowed =
      client.Get("/v2/", {{"Authorization", BasicHeader("bob", "builder")}});
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 200);
  // Schemes are case-insensitive (RFC 9110 section 11.1).
  std::string lower = "basic" + BasicHeader("bob", "builder").substr(5);
  auto lowercase = client.Get("/v2/", {{"Authorization", lower}});
  ASSERT_TRUE(lowercase);
  EXPECT_EQ(lowercase->status, 200);
  EXPECT_OK(registry->gateway.process->WaitForLog("\"user\":\"bob\"",
                                                  absl::Seconds(5)));
  auto health = client.Get("/healthz");  // Probes need no credentials.
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);

  std::string ref =
      absl::StrCat("docker://", registry->gateway.host, "/team/app:v1");
  EXPECT_FALSE(
      Skopeo({"copy", "--dest-tls-verify=false", PushableLayout(), ref}).ok());
  EXPECT_FALSE(Skopeo({"copy", "--dest-tls-verify=false",
                       "--dest-creds=alice:wrong", PushableLayout(), ref})
                   .ok());
  ASSERT_OK(Skopeo({"copy", "--dest-tls-verify=false",
                    "--dest-creds=alice:wonderland", PushableLayout(), ref}));
  ASSERT_OK(
      Skopeo({"inspect", "--tls-verify=false", "--creds=bob:builder", ref}));
}

TEST(AccessTest, ARefusedUploadBodyDoesNotSpoilTheConnection) {
  std::string htpasswd = WriteFile("htpasswd", HtpasswdLine("alice", "pw"));
  absl::StatusOr<Registry> registry = StartWithGatewayConfig(
      "auth:\n  htpasswd:\n    realm: r\n    path: " + htpasswd + "\n");
  ASSERT_OK(registry);
  std::string body(200 << 10, 'x');
  std::string answers =
      Exchange(registry->gateway.port,
               {absl::StrCat("PATCH /v2/a/b/blobs/uploads/"
                             "3f2a1c4e-0000-4000-8000-000000000001 HTTP/1.1\r\n"
                             "Host: x\r\nContent-Length: ",
                             body.size(), "\r\n\r\n", body),
                absl::StrCat("GET /v2/ HTTP/1.1\r\nHost: x\r\nAuthorization: ",
                             BasicHeader("alice", "pw"), "\r\n\r\n")});
  EXPECT_THAT(answers, HasSubstr("HTTP/1.1 401 Unauthorized"));
  // The body was read, so the next request on the connection is answered.
  EXPECT_THAT(answers, HasSubstr("HTTP/1.1 200 OK"));
}

TEST(AccessTest, HttpsWithATrustedCa) {
  absl::StatusOr<TestCerts> certs = MakeTestCerts();
  ASSERT_OK(certs);
  absl::StatusOr<Registry> registry = StartWithGatewayConfig(
      absl::StrCat("http:\n  tls:\n    certificate: ", certs->server_cert,
                   "\n    key: ", certs->server_key, "\n"));
  ASSERT_OK(registry);

  httplib::SSLClient tls("127.0.0.1", registry->gateway.port);
  tls.set_ca_cert_path(certs->ca_cert.c_str());
  tls.enable_server_certificate_verification(true);
  auto base = tls.Get("/v2/");
  ASSERT_TRUE(base) << httplib::to_string(base.error());
  EXPECT_EQ(base->status, 200);
  httplib::Client plain("127.0.0.1", registry->gateway.port);
  plain.set_read_timeout(2);
  auto refused = plain.Get("/v2/");
  EXPECT_TRUE(!refused || refused->status == 400);

  // skopeo verifies the server against the CA in --dest-cert-dir.
  std::string ca_dir = NewTempDir("ca");
  ASSERT_OK(
      RunCommand({"cp", certs->ca_cert, ca_dir + "/ca.crt"}, absl::Seconds(5)));
  std::string ref =
      absl::StrCat("docker://", registry->gateway.host, "/secure/app:v1");
  ASSERT_OK(
      Skopeo({"copy", "--dest-cert-dir=" + ca_dir, PushableLayout(), ref}));
  ASSERT_OK(Skopeo({"inspect", "--cert-dir=" + ca_dir, ref}));
  // Without the CA, verification fails.
  EXPECT_FALSE(Skopeo({"inspect", ref}).ok());
}

TEST(AccessTest, BadGatewayConfigurationsStopItBeforeListening) {
  std::string gateway = RunfilePath("gateway/gateway");
  auto run = [&](const std::string& yaml) {
    return RunCommand({gateway, "--listen=127.0.0.1:0",
                       "--config=" + WriteFile("bad.yml", yaml)},
                      absl::Seconds(20));
  };
  absl::StatusOr<std::string> typo = run("http:\n  adr: 0.0.0.0:5000\n");
  ASSERT_FALSE(typo.ok());
  EXPECT_THAT(typo.status().message(),
              HasSubstr("bad.yml:2: unknown key \\\"http.adr\\\""));
  absl::StatusOr<std::string> half =
      run("http:\n  tls:\n    certificate: /x.crt\n");
  ASSERT_FALSE(half.ok());
  EXPECT_THAT(half.status().message(),
              HasSubstr("http.tls.certificate needs http.tls.key"));
  absl::StatusOr<std::string> missing_cert =
      run("http:\n  tls:\n    certificate: /no/x.crt\n    key: /no/x.key\n");
  ASSERT_FALSE(missing_cert.ok());
  EXPECT_THAT(missing_cert.status().message(),
              HasSubstr("cannot load the TLS certificate"));
  absl::StatusOr<std::string> plain_password =
      run("auth:\n  htpasswd:\n    realm: r\n    path: " +
          WriteFile("plain", "alice:wonderland\n") + "\n");
  ASSERT_FALSE(plain_password.ok());
  EXPECT_THAT(plain_password.status().message(),
              HasSubstr("plain:1: want user:bcrypt"));
}

// Issue 11 (12): --help printed "No flags matched" and exited 1.
TEST(AccessTest, HelpListsEveryFlagAndExitsZero) {
  for (const char* binary : {"gateway/gateway", "storaged/storaged"}) {
    for (const char* ask : {"--help", "-h"}) {
      absl::StatusOr<std::string> help =
          RunCommand({RunfilePath(binary), ask}, absl::Seconds(10));
      ASSERT_OK(help) << binary << " " << ask;
      EXPECT_THAT(*help, HasSubstr("--config (default"));
      EXPECT_THAT(*help, HasSubstr("--listen (default"));
      EXPECT_THAT(*help, HasSubstr("--log_level (default"));
      EXPECT_THAT(*help, ::testing::Not(HasSubstr("No flags matched")));
      EXPECT_THAT(*help, ::testing::Not(HasSubstr("--flagfile")));
    }
  }
}

}  // namespace
}  // namespace registry::testing
