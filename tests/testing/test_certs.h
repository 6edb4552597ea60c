// Certificates for TLS tests, made with the openssl command: a CA, a server
// certificate for 127.0.0.1 and localhost, and a client certificate, all
// signed by the CA, plus a second CA nobody trusts and a self-signed RSA
// certificate (for RS256 tokens).
#ifndef REGISTRY_TESTS_TESTING_TEST_CERTS_H_
#define REGISTRY_TESTS_TESTING_TEST_CERTS_H_

#include <string>

#include "absl/status/statusor.h"

namespace registry::testing {

struct TestCerts {
  std::string dir;
  std::string ca_cert, ca_key;  // PEM file paths.
  std::string server_cert, server_key;
  std::string client_cert, client_key;
  std::string stranger_cert, stranger_key;  // Signed by an untrusted CA.
  std::string rsa_cert, rsa_key;            // A self-signed RSA certificate.
};

// Writes the files into a new directory.
absl::StatusOr<TestCerts> MakeTestCerts();

}  // namespace registry::testing

#endif  // REGISTRY_TESTS_TESTING_TEST_CERTS_H_
