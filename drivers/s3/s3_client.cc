#include "drivers/s3/s3_client.h"

#include <httplib.h>

#include <random>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "drivers/s3/s3_xml.h"

namespace registry::drivers::s3 {
namespace {

constexpr char kEmptySha256[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr size_t kMaxIdleConnections = 32;

// The one table from S3 answers to absl codes. `code` is the S3 error code
// ("" when the body had none); status 0 means the transport failed.
absl::StatusCode CodeFor(int status, absl::string_view code) {
  if (status == 0) return absl::StatusCode::kUnavailable;
  if (code == "NoSuchKey" || code == "NoSuchBucket" || code == "NoSuchUpload" ||
      (status == 404 && code.empty())) {
    return absl::StatusCode::kNotFound;
  }
  if (status == 412 || code == "PreconditionFailed") {
    return absl::StatusCode::kFailedPrecondition;
  }
  if (status == 416 || code == "InvalidRange") {
    return absl::StatusCode::kOutOfRange;
  }
  if (code == "QuotaExceeded" || code == "TooManyBuckets" || status == 507) {
    return absl::StatusCode::kResourceExhausted;
  }
  if (status == 429 || status >= 500 || code == "SlowDown" ||
      code == "RequestTimeout" || code == "InternalError" ||
      code == "ServiceUnavailable") {
    return absl::StatusCode::kUnavailable;
  }
  return absl::StatusCode::kInternal;
}

// Whether a 2xx body is an S3 error in disguise (copies and multipart
// completion answer 200 before they finish, then may fail).
bool MayHideError(const S3Request& request) {
  if (request.method == "POST") return true;
  for (const auto& [name, value] : request.headers) {
    if (name == "x-amz-copy-source") return true;
  }
  return false;
}

absl::Duration Backoff(int attempt) {
  static thread_local std::minstd_rand random(std::random_device{}());
  int64_t base_ms = std::min<int64_t>(3000, int64_t{100} << attempt);
  return absl::Milliseconds(base_ms / 2 + random() % (base_ms / 2 + 1));
}

}  // namespace

std::string S3Response::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return "";
}

absl::StatusOr<std::unique_ptr<S3Client>> S3Client::Create(
    S3Endpoint endpoint) {
  absl::string_view url = endpoint.url;
  size_t scheme_end = url.find("://");
  if (scheme_end == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("s3: endpoint \"", url, "\" has no http:// or https://"));
  }
  absl::string_view scheme = url.substr(0, scheme_end);
  absl::string_view authority = url.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find('/'));
  if ((scheme != "http" && scheme != "https") || authority.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "s3: endpoint \"", url, "\" is not http(s)://host[:port]"));
  }
  if (endpoint.bucket.empty()) {
    return absl::InvalidArgumentError("s3: no bucket given");
  }
  std::string host(authority);
  if (!endpoint.path_style) host = absl::StrCat(endpoint.bucket, ".", host);
  std::string origin = absl::StrCat(scheme, "://", host);
  return std::unique_ptr<S3Client>(
      new S3Client(std::move(endpoint), std::move(origin), std::move(host)));
}

S3Client::S3Client(S3Endpoint endpoint, std::string origin, std::string host)
    : endpoint_(std::move(endpoint)),
      origin_(std::move(origin)),
      host_(std::move(host)) {}

S3Client::~S3Client() = default;

std::unique_ptr<httplib::Client> S3Client::Take() {
  {
    absl::MutexLock lock(&mu_);
    if (!idle_.empty()) {
      std::unique_ptr<httplib::Client> client = std::move(idle_.back());
      idle_.pop_back();
      return client;
    }
  }
  auto client = std::make_unique<httplib::Client>(origin_);
  client->set_keep_alive(true);
  client->set_url_encode(false);
  client->set_connection_timeout(5);
  client->set_read_timeout(120);
  client->set_write_timeout(120);
  client->set_tcp_nodelay(true);
  return client;
}

void S3Client::Give(std::unique_ptr<httplib::Client> client) {
  absl::MutexLock lock(&mu_);
  if (idle_.size() < kMaxIdleConnections) idle_.push_back(std::move(client));
}

std::string S3Client::EncodedPath(absl::string_view key) const {
  std::string path = endpoint_.path_style
                         ? absl::StrCat("/", UriEncode(endpoint_.bucket, false))
                         : "";
  if (!key.empty() || !endpoint_.path_style) {
    absl::StrAppend(&path, "/", UriEncode(key, /*keep_slash=*/true));
  }
  return path;
}

absl::StatusOr<S3Response> S3Client::Send(const S3Request& request,
                                          absl::string_view what) {
  const std::string path = EncodedPath(request.key);
  const std::string query = CanonicalQuery(request.query);
  const std::string payload_hash =
      request.body.empty() ? kEmptySha256 : HexSha256(request.body);
  absl::Status last;
  for (int attempt = 0; attempt < endpoint_.max_attempts; ++attempt) {
    if (attempt > 0) absl::SleepFor(Backoff(attempt));
    absl::Time now = absl::Now();
    RequestToSign to_sign{request.method, path, request.query, request.headers,
                          payload_hash};
    to_sign.headers.emplace_back("host", host_);
    to_sign.headers.emplace_back("x-amz-date", AmzDate(now));
    to_sign.headers.emplace_back("x-amz-content-sha256", payload_hash);
    if (!endpoint_.credentials.session_token.empty()) {
      to_sign.headers.emplace_back("x-amz-security-token",
                                   endpoint_.credentials.session_token);
    }
    httplib::Request req;
    req.method = request.method;
    req.path = query.empty() ? path : absl::StrCat(path, "?", query);
    for (const auto& [name, value] : to_sign.headers) {
      req.headers.emplace(name == "host" ? "Host" : name, value);
    }
    req.headers.emplace(
        "Authorization",
        Authorization(to_sign, endpoint_.credentials, endpoint_.region, now));
    req.body.assign(request.body.data(), request.body.size());

    std::unique_ptr<httplib::Client> client = Take();
    httplib::Response res;
    httplib::Error error = httplib::Error::Success;
    bool sent = client->send(req, res, error);
    if (!sent) {
      last = absl::UnavailableError(absl::StrCat(
          "s3: ", what, ": ", origin_, ": ", httplib::to_string(error)));
      continue;  // The connection is dropped with `client`.
    }
    Give(std::move(client));
    ErrorDocument doc;
    bool ok = res.status >= 200 && res.status < 300;
    if (!ok ||
        (MayHideError(request) && absl::StrContains(res.body, "<Error>"))) {
      doc = ParseError(res.body);
      ok = ok && doc.code.empty();
    }
    if (ok) {
      S3Response out;
      out.status = res.status;
      for (const auto& [name, value] : res.headers) {
        out.headers.emplace_back(absl::AsciiStrToLower(name), value);
      }
      out.body = std::move(res.body);
      return out;
    }
    absl::StatusCode code = CodeFor(res.status, doc.code);
    last = absl::Status(
        code, absl::StrCat("s3: ", what, ": HTTP ", res.status,
                           doc.code.empty() ? "" : " ", doc.code,
                           doc.message.empty() ? "" : ": ", doc.message));
    if (code != absl::StatusCode::kUnavailable) return last;
  }
  return last;
}

std::string S3Client::PresignedGet(absl::string_view key,
                                   absl::Duration expires) {
  std::string path = EncodedPath(key);
  return absl::StrCat(
      origin_, path, "?",
      PresignedGetQuery(path, host_, endpoint_.credentials, endpoint_.region,
                        absl::Now(), expires));
}

}  // namespace registry::drivers::s3
