#include "tests/testing/test_certs.h"

#include "absl/strings/str_cat.h"
#include "tests/testing/subprocess.h"

namespace registry::testing {

absl::StatusOr<TestCerts> MakeTestCerts() {
  TestCerts certs;
  certs.dir = NewTempDir("certs");
  const std::string& d = certs.dir;
  // EC keys: quick to make. Each leaf is signed by its CA with the SANs and
  // key usage TLS needs.
  std::string script = absl::StrCat(
      "set -e; cd ", d, "\n",
      "key() { openssl genpkey -algorithm EC -pkeyopt "
      "ec_paramgen_curve:prime256v1 -out $1.key 2>/dev/null; }\n",
      "ca() { key $1; openssl req -x509 -new -key $1.key -out $1.crt "
      "-days 2 -subj /CN=$1; }\n",
      "leaf() { key $1; openssl req -new -key $1.key -out $1.csr "
      "-subj /CN=$1; printf '%s\\n' \"$3\" > $1.ext; openssl x509 -req "
      "-in $1.csr -CA $2.crt -CAkey $2.key -CAcreateserial -out $1.crt "
      "-days 2 -extfile $1.ext 2>/dev/null; }\n",
      "ca ca; ca stranger-ca\n",
      "leaf server ca 'subjectAltName=IP:127.0.0.1,DNS:localhost\n"
      "extendedKeyUsage=serverAuth'\n",
      "leaf client ca 'extendedKeyUsage=clientAuth'\n",
      "leaf stranger stranger-ca 'extendedKeyUsage=clientAuth'\n",
      "openssl req -x509 -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.crt "
      "-days 2 -subj /CN=rsa-signer 2>/dev/null\n");
  absl::StatusOr<std::string> made =
      RunCommand({"/bin/bash", "-c", script}, absl::Seconds(60));
  if (!made.ok()) return made.status();
  certs.ca_cert = d + "/ca.crt";
  certs.ca_key = d + "/ca.key";
  certs.server_cert = d + "/server.crt";
  certs.server_key = d + "/server.key";
  certs.client_cert = d + "/client.crt";
  certs.client_key = d + "/client.key";
  certs.stranger_cert = d + "/stranger.crt";
  certs.stranger_key = d + "/stranger.key";
  certs.rsa_cert = d + "/rsa.crt";
  certs.rsa_key = d + "/rsa.key";
  return certs;
}

}  // namespace registry::testing
