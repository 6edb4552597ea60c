// TLS between the gateway and storaged: with grpc.tls.clientcas storaged
// accepts only clients with a certificate signed by that CA (plaintext,
// certificate-less and foreign-CA clients are refused), the gateway
// presents its certificate (storaged.tls.*) and the registry works through
// it; without clientcas, TLS alone.
#include <grpcpp/create_channel.h>
#include <httplib.h>

#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/digest.h"
#include "common/grpc_tls.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/health.grpc.pb.h"
#include "tests/testing/gateway_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/test_certs.h"

namespace registry::testing {
namespace {

std::string WriteConfig(const std::string& yaml) {
  static int counter = 0;
  std::string path =
      absl::StrCat(NewTempDir("config"), "/config-", ++counter, ".yml");
  std::ofstream(path) << "log:\n  level: info\n" << yaml;
  return path;
}

// Whether a health check over `credentials` succeeds within 3 s.
bool Reachable(const std::string& address,
               std::shared_ptr<grpc::ChannelCredentials> credentials) {
  auto channel = grpc::CreateChannel(address, credentials);
  auto health = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(3)));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  return health->Check(&context, request, &response).ok();
}

std::shared_ptr<grpc::ChannelCredentials> Credentials(const std::string& ca,
                                                      const std::string& cert,
                                                      const std::string& key) {
  auto credentials = GrpcChannelCredentials(ca, cert, key);
  EXPECT_OK(credentials);
  return *credentials;
}

class MutualTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TestCerts> certs = MakeTestCerts();
    ASSERT_OK(certs);
    certs_ = *std::move(certs);
  }
  TestCerts certs_;
};

TEST_F(MutualTlsTest, OnlyClientsWithTheCasCertificateGetIn) {
  absl::StatusOr<StoragedProcess> storaged = StartStoraged(
      NewTempDir("root"),
      {"--config=" + WriteConfig(absl::StrCat(
                         "grpc:\n  tls:\n    certificate: ", certs_.server_cert,
                         "\n    key: ", certs_.server_key,
                         "\n    clientcas:\n      - ", certs_.ca_cert, "\n"))});
  ASSERT_OK(storaged);
  const std::string& address = storaged->address;
  EXPECT_TRUE(Reachable(address, Credentials(certs_.ca_cert, certs_.client_cert,
                                             certs_.client_key)));
  EXPECT_FALSE(Reachable(address, grpc::InsecureChannelCredentials()));
  EXPECT_FALSE(Reachable(address, Credentials(certs_.ca_cert, "", "")));
  EXPECT_FALSE(Reachable(
      address,
      Credentials(certs_.ca_cert, certs_.stranger_cert, certs_.stranger_key)));

  // Internal callers use the same credentials: the benchmark tool's gRPC
  // mode, with and without the client certificate.
  auto bench = [&](std::vector<std::string> tls) {
    std::vector<std::string> argv = {RunfilePath("bench/regbench"), "--quick",
                                     "--only=manifest GET by digest",
                                     "--targets=grpc=grpc://" + address};
    argv.insert(argv.end(), tls.begin(), tls.end());
    return RunCommand(argv, absl::Minutes(1));
  };
  absl::StatusOr<std::string> with_cert =
      bench({"--grpc_ca=" + certs_.ca_cert, "--grpc_cert=" + certs_.client_cert,
             "--grpc_key=" + certs_.client_key});
  ASSERT_OK(with_cert);
  EXPECT_THAT(*with_cert, ::testing::HasSubstr("manifest GET by digest"));
  EXPECT_THAT(*with_cert, ::testing::Not(::testing::HasSubstr("error:")));
  absl::StatusOr<std::string> without = bench({"--grpc_ca=" + certs_.ca_cert});
  EXPECT_TRUE(!without.ok() || absl::StrContains(*without, "error:"));

  // A gateway with the client certificate serves the registry...
  absl::StatusOr<GatewayProcess> gateway = StartGateway(
      address, {"--config=" + WriteConfig(absl::StrCat(
                                  "storaged:\n  tls:\n    ca: ", certs_.ca_cert,
                                  "\n    certificate: ", certs_.client_cert,
                                  "\n    key: ", certs_.client_key, "\n"))});
  ASSERT_OK(gateway);
  httplib::Client client("127.0.0.1", gateway->port);
  std::string blob = "over mutual TLS";
  std::string digest = DigestOf(blob).ToString();
  auto put =
      client.Post(("/v2/mtls/app/blobs/uploads/?digest=" + digest).c_str(),
                  blob, "application/octet-stream");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 201) << put->body;
  auto get = client.Get(("/v2/mtls/app/blobs/" + digest).c_str());
  ASSERT_TRUE(get);
  EXPECT_EQ(get->body, blob);
  EXPECT_EQ(client.Get("/readyz")->status, 200);

  // ...and one without it is not ready and gets nothing.
  absl::StatusOr<GatewayProcess> anonymous = StartGateway(
      address, {"--config=" +
                WriteConfig(absl::StrCat(
                    "storaged:\n  tls:\n    ca: ", certs_.ca_cert, "\n"))});
  ASSERT_OK(anonymous);
  httplib::Client refused("127.0.0.1", anonymous->port);
  EXPECT_EQ(refused.Get("/readyz")->status, 503);
  auto denied = refused.Get(("/v2/mtls/app/blobs/" + digest).c_str());
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 503);
}

TEST_F(MutualTlsTest, TlsWithoutClientCertificates) {
  absl::StatusOr<StoragedProcess> storaged = StartStoraged(
      NewTempDir("root"),
      {"--config=" + WriteConfig(absl::StrCat(
                         "grpc:\n  tls:\n    certificate: ", certs_.server_cert,
                         "\n    key: ", certs_.server_key, "\n"))});
  ASSERT_OK(storaged);
  EXPECT_TRUE(
      Reachable(storaged->address, Credentials(certs_.ca_cert, "", "")));
  EXPECT_FALSE(
      Reachable(storaged->address, grpc::InsecureChannelCredentials()));
}

}  // namespace
}  // namespace registry::testing
