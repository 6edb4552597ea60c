#include "storaged/proxy/upstream_client.h"

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/metrics.h"
#include "common/status_macros.h"
#include "drivers/s3/sigv4.h"

namespace registry::proxy {
namespace {

constexpr int kMaxRedirects = 5;
// The largest body read whole (manifests, tag lists, referrers, errors).
constexpr size_t kMaxBody = 16 << 20;
// Tokens are dropped this long before they expire.
constexpr absl::Duration kTokenMargin = absl::Seconds(10);

// "scheme://host[:port]" and the rest of `url` (at least "/").
std::pair<std::string, std::string> SplitUrl(const std::string& url) {
  size_t start = url.find("://");
  size_t slash = url.find('/', start == std::string::npos ? 0 : start + 3);
  if (slash == std::string::npos) return {url, "/"};
  return {url.substr(0, slash), url.substr(slash)};
}

// The parameters of a challenge: Bearer realm="...",service="...".
std::map<std::string, std::string> ChallengeParams(absl::string_view text) {
  std::map<std::string, std::string> params;
  size_t i = text.find(' ');
  while (i != absl::string_view::npos && i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == ',')) ++i;
    size_t eq = text.find('=', i);
    if (eq == absl::string_view::npos) break;
    std::string key = absl::AsciiStrToLower(
        absl::StripAsciiWhitespace(text.substr(i, eq - i)));
    size_t j = eq + 1;
    std::string value;
    if (j < text.size() && text[j] == '"') {
      ++j;
      while (j < text.size() && text[j] != '"') {
        if (text[j] == '\\' && j + 1 < text.size()) ++j;
        value += text[j++];
      }
      ++j;
    } else {
      while (j < text.size() && text[j] != ',') value += text[j++];
    }
    params[key] = value;
    i = j;
  }
  return params;
}

bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 ||
         status == 308;
}

}  // namespace

std::string UpstreamResponse::Header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

UpstreamClient::UpstreamClient(const UpstreamConfig& config)
    : config_(config) {}

absl::StatusOr<UpstreamResponse> UpstreamClient::Exchange(
    const std::string& origin, const std::string& method,
    const std::string& path, const httplib::Headers& headers,
    const std::function<absl::Status(const UpstreamResponse&)>* on_head,
    const std::function<bool(const char*, size_t)>* on_data) {
  httplib::Client client(origin);
  client.set_connection_timeout(10);
  client.set_read_timeout(60);
  client.set_write_timeout(60);
  client.enable_server_certificate_verification(!config_.insecure_skip_verify);
  if (!config_.ca_file.empty()) client.set_ca_cert_path(config_.ca_file);
  httplib::Request request;
  request.method = method;
  request.path = path;
  request.headers = headers;
  UpstreamResponse out;
  absl::Status head_status;
  bool streaming = false;
  int64_t bytes = 0;
  request.response_handler = [&](const httplib::Response& response) {
    out.status = response.status;
    out.headers = response.headers;
    streaming = on_data != nullptr && response.status / 100 == 2;
    if (streaming && on_head != nullptr) head_status = (*on_head)(out);
    return head_status.ok();
  };
  request.content_receiver = [&](const char* data, size_t n, uint64_t,
                                 uint64_t) {
    bytes += static_cast<int64_t>(n);
    if (streaming) return (*on_data)(data, n);
    if (out.body.size() + n > kMaxBody) {
      head_status = absl::UnavailableError(
          absl::StrCat("upstream ", origin, " sent more than ", kMaxBody,
                       " bytes for ", path));
      return false;
    }
    out.body.append(data, n);
    return true;
  };
  httplib::Response response;
  httplib::Error error = httplib::Error::Success;
  const bool sent = client.send(request, response, error);
  Metrics& metrics = Metrics::Global();
  metrics.Add(kUpstreamBytes, {{"registry", config_.remote_url}},
              static_cast<double>(bytes));
  metrics.Add(kUpstreamRequests,
              {{"registry", config_.remote_url},
               {"status", sent || out.status > 0 ? absl::StrCat(out.status)
                                                 : std::string("error")}},
              1);
  if (!sent) {
    RETURN_IF_ERROR(head_status);
    if (error == httplib::Error::Canceled) {
      return absl::CancelledError(
          absl::StrCat("transfer from ", origin, path, " stopped"));
    }
    return absl::UnavailableError(absl::StrCat(
        "upstream ", origin, " unreachable: ", httplib::to_string(error)));
  }
  if (method == "HEAD") {
    out.status = response.status;
    out.headers = response.headers;
  }
  return out;
}

std::string UpstreamClient::CachedAuthorization(const std::string& scope) {
  absl::MutexLock lock(&mu_);
  if (basic_) {
    return "Basic " + absl::Base64Escape(absl::StrCat(config_.username, ":",
                                                      config_.password));
  }
  auto it = tokens_.find(scope);
  if (it == tokens_.end() || absl::Now() >= it->second.expiry) return "";
  return it->second.header;
}

absl::StatusOr<std::string> UpstreamClient::Authenticate(
    const std::string& challenge, const std::string& scope) {
  const bool has_credentials = !config_.username.empty();
  const std::string basic =
      "Basic " +
      absl::Base64Escape(absl::StrCat(config_.username, ":", config_.password));
  if (absl::StartsWithIgnoreCase(challenge, "basic")) {
    if (!has_credentials) {
      return absl::UnauthenticatedError(
          absl::StrCat("upstream ", config_.remote_url,
                       " asks for credentials and none are configured"));
    }
    absl::MutexLock lock(&mu_);
    basic_ = true;
    return basic;
  }
  if (!absl::StartsWithIgnoreCase(challenge, "bearer")) {
    return absl::UnauthenticatedError(absl::StrCat(
        "upstream ", config_.remote_url,
        " asks for an unknown authentication: \"", challenge, "\""));
  }
  std::map<std::string, std::string> params = ChallengeParams(challenge);
  if (params["realm"].empty()) {
    return absl::UnauthenticatedError(
        absl::StrCat("upstream ", config_.remote_url,
                     " sent a Bearer challenge without realm"));
  }
  auto [origin, realm_path] = SplitUrl(params["realm"]);
  std::string query;
  if (!params["service"].empty()) {
    absl::StrAppend(
        &query, "service=", drivers::s3::UriEncode(params["service"], false));
  }
  std::string wanted = params["scope"].empty() ? scope : params["scope"];
  absl::StrAppend(&query, query.empty() ? "" : "&",
                  "scope=", drivers::s3::UriEncode(wanted, false));
  httplib::Headers headers;
  if (has_credentials) headers.emplace("Authorization", basic);
  ASSIGN_OR_RETURN(
      UpstreamResponse answer,
      Exchange(
          origin, "GET",
          absl::StrCat(realm_path,
                       absl::StrContains(realm_path, "?") ? "&" : "?", query),
          headers, nullptr, nullptr));
  if (answer.status != 200) {
    return absl::UnauthenticatedError(
        absl::StrCat("token endpoint ", params["realm"], " of upstream ",
                     config_.remote_url, " answered ", answer.status));
  }
  nlohmann::json json = nlohmann::json::parse(answer.body, nullptr, false);
  std::string token;
  int64_t expires_in = 60;
  if (json.is_object()) {
    for (const char* key : {"token", "access_token"}) {
      if (json.contains(key) && json[key].is_string() && token.empty()) {
        token = json[key].get<std::string>();
      }
    }
    if (json.contains("expires_in") && json["expires_in"].is_number_integer()) {
      expires_in = std::max<int64_t>(60, json["expires_in"].get<int64_t>());
    }
  }
  if (token.empty()) {
    return absl::UnauthenticatedError(
        absl::StrCat("token endpoint ", params["realm"], " of upstream ",
                     config_.remote_url, " sent no token"));
  }
  std::string header = "Bearer " + token;
  absl::MutexLock lock(&mu_);
  tokens_[scope] =
      Token{header, absl::Now() + absl::Seconds(expires_in) - kTokenMargin};
  return header;
}

absl::StatusOr<UpstreamResponse> UpstreamClient::Run(
    const std::string& method, const std::string& repository,
    const std::string& path, const httplib::Headers& headers,
    const std::function<absl::Status(const UpstreamResponse&)>* on_head,
    const std::function<bool(const char*, size_t)>* on_data) {
  const std::string scope = absl::StrCat("repository:", repository, ":pull");
  auto [origin, target] = SplitUrl(config_.remote_url + path);
  const std::string own_origin = origin;
  std::string authorization = CachedAuthorization(scope);
  bool challenged = false;
  for (int hop = 0; hop <= kMaxRedirects; ++hop) {
    httplib::Headers sent = headers;
    // Credentials go to the upstream only, never to where it redirects.
    if (origin == own_origin && !authorization.empty()) {
      sent.emplace("Authorization", authorization);
    }
    ASSIGN_OR_RETURN(UpstreamResponse response,
                     Exchange(origin, method, target, sent, on_head, on_data));
    if (response.status == 401 && origin == own_origin && !challenged) {
      challenged = true;
      absl::StatusOr<std::string> answer =
          Authenticate(response.Header("WWW-Authenticate"), scope);
      if (!answer.ok()) {
        return absl::UnavailableError(absl::StrCat(
            "cannot authenticate to upstream: ", answer.status().message()));
      }
      authorization = *std::move(answer);
      --hop;
      continue;
    }
    std::string location = response.Header("Location");
    if (IsRedirect(response.status) && !location.empty()) {
      if (absl::StartsWith(location, "http://") ||
          absl::StartsWith(location, "https://")) {
        std::tie(origin, target) = SplitUrl(location);
      } else {
        target = location;
      }
      continue;
    }
    return response;
  }
  return absl::UnavailableError(absl::StrCat("upstream ", config_.remote_url,
                                             " redirected too many times"));
}

absl::StatusOr<UpstreamResponse> UpstreamClient::Send(
    const std::string& method, const std::string& repository,
    const std::string& path, const httplib::Headers& headers) {
  return Run(method, repository, path, headers, nullptr, nullptr);
}

absl::StatusOr<UpstreamResponse> UpstreamClient::Stream(
    const std::string& repository, const std::string& path,
    const httplib::Headers& headers,
    const std::function<absl::Status(const UpstreamResponse&)>& on_head,
    const std::function<bool(const char*, size_t)>& on_data) {
  return Run("GET", repository, path, headers, &on_head, &on_data);
}

}  // namespace registry::proxy
