// A signed, retrying HTTP client for one S3 bucket (cpp-httplib underneath,
// kept-alive connections pooled). Every S3 error is mapped to an
// absl::Status here and nowhere else. Thread-safe.
#ifndef REGISTRY_DRIVERS_S3_S3_CLIENT_H_
#define REGISTRY_DRIVERS_S3_S3_CLIENT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "drivers/s3/sigv4.h"

namespace httplib {
class Client;
}

namespace registry::drivers::s3 {

struct S3Endpoint {
  std::string url;     // "http://127.0.0.1:47480" or "https://s3.amazonaws.com"
  std::string region;  // Signing region.
  std::string bucket;
  bool path_style = true;  // /bucket/key rather than bucket.host/key.
  Credentials credentials;
  int max_attempts = 5;  // Per request, for retryable failures.
};

struct S3Request {
  std::string method;
  std::string key;  // Object key (no leading '/'); empty for the bucket.
  KeyValues query;
  KeyValues headers;  // Extra headers, e.g. Range, x-amz-copy-source.
  absl::string_view body;
};

struct S3Response {
  int status = 0;
  KeyValues headers;  // Names lowercased.
  std::string body;
  // The first header named `name` (lowercase), or "".
  std::string Header(absl::string_view name) const;
};

class S3Client {
 public:
  // InvalidArgument when the endpoint URL is malformed.
  static absl::StatusOr<std::unique_ptr<S3Client>> Create(S3Endpoint endpoint);
  ~S3Client();

  // Sends `request`, retrying with backoff on throttling, 5xx and transport
  // failures. OK only for a 2xx answer that is not an S3 error document;
  // otherwise NotFound (no such key, bucket or upload), FailedPrecondition
  // (412: a conditional request's condition failed), OutOfRange (416),
  // ResourceExhausted (quota), Unavailable (retries exhausted), Internal.
  // `what` names the operation in messages.
  absl::StatusOr<S3Response> Send(const S3Request& request,
                                  absl::string_view what);

  // A URL that GETs `key` without credentials until now + `expires`.
  std::string PresignedGet(absl::string_view key, absl::Duration expires);

  const S3Endpoint& endpoint() const { return endpoint_; }

 private:
  S3Client(S3Endpoint endpoint, std::string scheme_host_port, std::string host);

  std::unique_ptr<httplib::Client> Take();
  void Give(std::unique_ptr<httplib::Client> client);
  std::string EncodedPath(absl::string_view key) const;

  const S3Endpoint endpoint_;
  const std::string origin_;  // scheme://host[:port] requests go to.
  const std::string host_;    // The Host header (with the bucket if virtual).
  absl::Mutex mu_;
  std::vector<std::unique_ptr<httplib::Client>> idle_ ABSL_GUARDED_BY(mu_);
};

}  // namespace registry::drivers::s3

#endif  // REGISTRY_DRIVERS_S3_S3_CLIENT_H_
