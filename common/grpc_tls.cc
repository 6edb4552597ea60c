#include "common/grpc_tls.h"

#include <fstream>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace registry {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  std::string pem((std::istreambuf_iterator<char>(in)), {});
  if (!in.good() && !in.eof()) pem.clear();
  if (pem.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read the TLS ", what, " ", path));
  }
  return pem;
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> GrpcServerCredentials(
    const std::string& certificate, const std::string& key,
    const std::vector<std::string>& client_cas) {
  if (certificate.empty() && key.empty()) {
    if (!client_cas.empty()) {
      return absl::InvalidArgumentError(
          "client CAs need a server certificate and key");
    }
    return grpc::InsecureServerCredentials();
  }
  grpc::SslServerCredentialsOptions options;
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  ASSIGN_OR_RETURN(pair.cert_chain, ReadPem(certificate, "certificate"));
  ASSIGN_OR_RETURN(pair.private_key, ReadPem(key, "key"));
  options.pem_key_cert_pairs.push_back(std::move(pair));
  for (const std::string& ca : client_cas) {
    ASSIGN_OR_RETURN(std::string pem, ReadPem(ca, "client CA"));
    options.pem_root_certs += pem;
  }
  options.client_certificate_request =
      client_cas.empty()
          ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
          : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  return grpc::SslServerCredentials(options);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>>
GrpcChannelCredentials(const std::string& ca, const std::string& certificate,
                       const std::string& key) {
  if (ca.empty() && certificate.empty() && key.empty()) {
    return grpc::InsecureChannelCredentials();
  }
  if (certificate.empty() != key.empty()) {
    return absl::InvalidArgumentError(
        "a client certificate needs its key, and a key its certificate");
  }
  grpc::SslCredentialsOptions options;
  if (!ca.empty()) {
    ASSIGN_OR_RETURN(options.pem_root_certs, ReadPem(ca, "CA"));
  }
  if (!certificate.empty()) {
    ASSIGN_OR_RETURN(options.pem_cert_chain,
                     ReadPem(certificate, "certificate"));
    ASSIGN_OR_RETURN(options.pem_private_key, ReadPem(key, "key"));
  }
  return grpc::SslCredentials(options);
}

}  // namespace registry
