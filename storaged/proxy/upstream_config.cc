#include "storaged/proxy/upstream_config.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/names.h"
#include "common/status_macros.h"

namespace registry::proxy {
namespace {

constexpr char kWhole[] = "proxy.";
constexpr char kList[] = "proxy.registries";

// The keys of one upstream, below "proxy." or "proxy.registries.N.".
constexpr const char* kItemKeys[] = {
    "remoteurl",
    "username",
    "password",
    "ttl",
    "credentialsfile",
    "tls.ca",
    "tls.insecureskipverify",
};

// A refusal naming the line of `key` (or, when it is absent, of another key
// of the same upstream, `at` being its key prefix).
absl::Status Refuse(const ConfigFile& file, const std::string& at,
                    const std::string& key, absl::string_view why) {
  std::string where = at + key;
  if (!file.Has(where)) {
    for (const char* other : kItemKeys) {
      if (file.Has(at + other)) where = at + other;
    }
    if (file.Has(at + "prefix")) where = at + "prefix";
  }
  return absl::InvalidArgumentError(absl::StrCat(file.Where(where), ": ", why));
}

// Checks "http[s]://host[:port]" without a path.
absl::Status CheckUrl(absl::string_view url) {
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "https://") &&
      !absl::ConsumePrefix(&rest, "http://")) {
    return absl::InvalidArgumentError(
        absl::StrCat("remoteurl \"", url,
                     "\" must start with https:// or "
                     "http://"));
  }
  absl::ConsumeSuffix(&rest, "/");
  absl::string_view host = rest;
  size_t colon = rest.rfind(':');
  if (colon != absl::string_view::npos && rest.find(']') == rest.npos) {
    host = rest.substr(0, colon);
    int port = 0;
    if (!absl::SimpleAtoi(rest.substr(colon + 1), &port) || port <= 0 ||
        port > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat("remoteurl \"", url, "\" has a bad port"));
    }
  }
  if (host.empty() || absl::StrContains(rest, "/") ||
      absl::StrContains(rest, "?") || absl::StrContains(rest, "@")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "remoteurl \"", url, "\" must be scheme://host[:port], no path"));
  }
  return absl::OkStatus();
}

// Reads "username: U" and "password: P" lines (a YAML mapping, as a
// Kubernetes Secret would hold it).
absl::Status ReadCredentials(const std::string& path, UpstreamConfig& config) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("credentialsfile ", path, " cannot be read"));
  }
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view text = absl::StripAsciiWhitespace(line);
    for (auto [key, out] : {std::pair<absl::string_view, std::string*>{
                                "username:", &config.username},
                            {"password:", &config.password}}) {
      if (absl::ConsumePrefix(&text, key)) {
        text = absl::StripAsciiWhitespace(text);
        if (text.size() >= 2 && (text.front() == '"' || text.front() == '\'') &&
            text.back() == text.front()) {
          text = text.substr(1, text.size() - 2);
        }
        *out = std::string(text);
      }
    }
  }
  if (config.username.empty() || config.password.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "credentialsfile ", path, " needs \"username:\" and \"password:\""));
  }
  return absl::OkStatus();
}

// One upstream from the keys below `at`.
absl::StatusOr<UpstreamConfig> ReadOne(const ConfigFile& file,
                                       const std::string& at) {
  UpstreamConfig config;
  config.remote_url = file.String(at + "remoteurl", "");
  if (config.remote_url.empty()) {
    return Refuse(file, at, "remoteurl", "a proxied registry needs remoteurl");
  }
  absl::Status url = CheckUrl(config.remote_url);
  if (!url.ok()) return Refuse(file, at, "remoteurl", url.message());
  while (absl::EndsWith(config.remote_url, "/")) config.remote_url.pop_back();
  config.username = file.String(at + "username", "");
  config.password = file.String(at + "password", "");
  if (file.Has(at + "credentialsfile")) {
    if (!config.username.empty() || !config.password.empty()) {
      return Refuse(file, at, "credentialsfile",
                    "give credentialsfile or username/password, not both");
    }
    absl::Status read =
        ReadCredentials(file.String(at + "credentialsfile", ""), config);
    if (!read.ok()) return Refuse(file, at, "credentialsfile", read.message());
  }
  if (config.username.empty() != config.password.empty()) {
    return Refuse(file, at, config.username.empty() ? "password" : "username",
                  "username and password go together");
  }
  ASSIGN_OR_RETURN(config.ttl, file.Duration(at + "ttl", config.ttl));
  config.ca_file = file.String(at + "tls.ca", "");
  ASSIGN_OR_RETURN(config.insecure_skip_verify,
                   file.Bool(at + "tls.insecureskipverify", false));
  return config;
}

}  // namespace

std::string RemoteName(const UpstreamConfig& upstream,
                       absl::string_view local) {
  absl::string_view rest = local.substr(upstream.prefix.size());
  const bool docker_hub =
      upstream.remote_url == "https://registry-1.docker.io" ||
      upstream.remote_url == "https://index.docker.io" ||
      upstream.remote_url == "https://docker.io";
  if (docker_hub && !absl::StrContains(rest, "/")) {
    return absl::StrCat("library/", rest);
  }
  return std::string(rest);
}

std::set<std::string> UpstreamConfigKeys() {
  std::set<std::string> keys;
  for (const char* key : kItemKeys) {
    keys.insert(absl::StrCat(kWhole, key));
    keys.insert(absl::StrCat(kList, ".*.", key));
  }
  keys.insert(absl::StrCat(kList, ".*.prefix"));
  return keys;
}

absl::StatusOr<std::vector<UpstreamConfig>> ReadUpstreams(
    const ConfigFile& file) {
  std::vector<UpstreamConfig> upstreams;
  std::set<std::string> prefixes;
  for (const std::string& at : file.Items(kList)) {
    std::string prefix = file.String(at + "prefix", "");
    while (absl::EndsWith(prefix, "/")) prefix.pop_back();
    if (prefix.empty()) {
      return Refuse(file, at, "prefix",
                    "a proxied registry needs a prefix such as \"hub/\"");
    }
    if (!RepositoryName::Parse(prefix).ok()) {
      return Refuse(file, at, "prefix",
                    absl::StrCat("prefix \"", prefix,
                                 "\" is not a repository name path"));
    }
    prefix += "/";
    if (!prefixes.insert(prefix).second) {
      return Refuse(file, at, "prefix",
                    absl::StrCat("prefix \"", prefix, "\" is given twice"));
    }
    ASSIGN_OR_RETURN(UpstreamConfig upstream, ReadOne(file, at));
    upstream.prefix = prefix;
    upstreams.push_back(std::move(upstream));
  }
  bool whole = false;
  for (const char* key : kItemKeys)
    whole |= file.Has(absl::StrCat(kWhole, key));
  if (whole) {
    if (!upstreams.empty()) {
      return Refuse(file, kWhole, "remoteurl",
                    "give proxy.remoteurl (every repository) or "
                    "proxy.registries, not both");
    }
    ASSIGN_OR_RETURN(UpstreamConfig upstream, ReadOne(file, kWhole));
    upstreams.push_back(std::move(upstream));
  }
  return upstreams;
}

}  // namespace registry::proxy
