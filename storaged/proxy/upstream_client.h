// An HTTP client for one upstream registry's V2 API. It authenticates as
// the upstream asks: Basic, or the Bearer token flow of Docker Hub and
// most registries (401 challenge -> token endpoint with realm, service
// and scope -> Bearer), tokens cached per scope until they expire. It
// follows redirects (blob data on a CDN or object store, sent without our
// credentials to other hosts), speaks https with the system's or the
// configured CAs, and never hangs: connects and reads time out.
// Thread-safe.
#ifndef REGISTRY_STORAGED_PROXY_UPSTREAM_CLIENT_H_
#define REGISTRY_STORAGED_PROXY_UPSTREAM_CLIENT_H_

#include <httplib.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "storaged/proxy/upstream_config.h"

namespace registry::proxy {

// Metric families the client records into (declared by PullThroughCache).
inline constexpr char kUpstreamRequests[] =
    "registry_proxy_upstream_requests_total";
inline constexpr char kUpstreamBytes[] = "registry_proxy_upstream_bytes_total";

struct UpstreamResponse {
  int status = 0;
  httplib::Headers headers;
  std::string body;  // Empty when streamed; at most 16 MiB.
  // The header's value, or "".
  std::string Header(const std::string& name) const;
};

class UpstreamClient {
 public:
  // `config` must have passed ReadUpstreams.
  explicit UpstreamClient(const UpstreamConfig& config);

  // Sends METHOD remoteurl + `path` ("/v2/library/alpine/manifests/3") for
  // `repository` (the upstream's name: the token scope). Any HTTP status
  // is returned; Unavailable when the upstream cannot be reached or
  // authentication fails on its side.
  absl::StatusOr<UpstreamResponse> Send(const std::string& method,
                                        const std::string& repository,
                                        const std::string& path,
                                        const httplib::Headers& headers = {});

  // A GET whose 2xx body goes to `on_data` as it arrives (false stops the
  // transfer: Cancelled); `on_head` sees the final status and headers
  // first (its error stops the transfer). Other statuses come back with
  // their body.
  absl::StatusOr<UpstreamResponse> Stream(
      const std::string& repository, const std::string& path,
      const httplib::Headers& headers,
      const std::function<absl::Status(const UpstreamResponse&)>& on_head,
      const std::function<bool(const char*, size_t)>& on_data);

  const std::string& url() const { return config_.remote_url; }

 private:
  // One exchange with `origin` (no auth, no redirects). With `on_data`,
  // a 2xx body is streamed to it.
  absl::StatusOr<UpstreamResponse> Exchange(
      const std::string& origin, const std::string& method,
      const std::string& path, const httplib::Headers& headers,
      const std::function<absl::Status(const UpstreamResponse&)>* on_head,
      const std::function<bool(const char*, size_t)>* on_data);

  // Send or Stream: authenticates, retries once after a challenge, follows
  // redirects.
  absl::StatusOr<UpstreamResponse> Run(
      const std::string& method, const std::string& repository,
      const std::string& path, const httplib::Headers& headers,
      const std::function<absl::Status(const UpstreamResponse&)>* on_head,
      const std::function<bool(const char*, size_t)>* on_data);

  // The Authorization header for `scope` from what earlier challenges
  // taught, or "".
  std::string CachedAuthorization(const std::string& scope);
  // Answers a 401's WWW-Authenticate challenge: the Authorization header
  // to retry with. Unauthenticated when no credentials fit.
  absl::StatusOr<std::string> Authenticate(const std::string& challenge,
                                           const std::string& scope);

  const UpstreamConfig config_;
  absl::Mutex mu_;
  bool basic_ ABSL_GUARDED_BY(mu_) = false;  // The upstream asked for Basic.
  struct Token {
    std::string header;
    absl::Time expiry;
  };
  std::map<std::string, Token> tokens_ ABSL_GUARDED_BY(mu_);  // By scope.
};

}  // namespace registry::proxy

#endif  // REGISTRY_STORAGED_PROXY_UPSTREAM_CLIENT_H_
