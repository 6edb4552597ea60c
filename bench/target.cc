#include "bench/target.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace registry::bench {

std::unique_ptr<Target> NewHttpTarget(const std::string& host, int port);
std::unique_ptr<Target> NewGrpcTarget(
    const std::string& address,
    std::shared_ptr<grpc::ChannelCredentials> credentials);

absl::StatusOr<std::unique_ptr<Target>> NewTarget(
    const std::string& url,
    std::shared_ptr<grpc::ChannelCredentials> grpc_credentials) {
  absl::string_view rest = url;
  if (absl::ConsumePrefix(&rest, "grpc://")) {
    return NewGrpcTarget(std::string(rest),
                         grpc_credentials != nullptr
                             ? grpc_credentials
                             : grpc::InsecureChannelCredentials());
  }
  if (absl::ConsumePrefix(&rest, "http://")) {
    rest = rest.substr(0, rest.find('/'));
    size_t colon = rest.rfind(':');
    int port = 80;
    if (colon != absl::string_view::npos &&
        !absl::SimpleAtoi(rest.substr(colon + 1), &port)) {
      return absl::InvalidArgumentError(absl::StrCat("bad port in ", url));
    }
    return NewHttpTarget(std::string(rest.substr(0, colon)), port);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "target \"", url, "\": want http://HOST:PORT or grpc://HOST:PORT"));
}

}  // namespace registry::bench
