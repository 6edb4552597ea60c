#include "gateway/config.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "common/config_file.h"
#include "common/status_macros.h"

namespace registry::gateway {
namespace {

// Both keys or neither: InvalidArgument naming the one that is missing.
absl::Status BothOrNeither(const ConfigFile& file, const std::string& a,
                           const std::string& b) {
  if (file.Has(a) == file.Has(b)) return absl::OkStatus();
  const std::string& given = file.Has(a) ? a : b;
  const std::string& missing = file.Has(a) ? b : a;
  return absl::InvalidArgumentError(absl::StrCat(
      file.Where(given), ": ", given, " needs ", missing, " as well"));
}

}  // namespace

const std::set<std::string>& GatewayConfigKeys() {
  static const auto* keys = new std::set<std::string>{
      "version",
      kListenKey,
      kStoragedKey,
      kLogLevelKey,
      "http.tls.certificate",
      "http.tls.key",
      "auth.htpasswd.realm",
      "auth.htpasswd.path",
      "auth.token.realm",
      "auth.token.service",
      "auth.token.issuer",
      "auth.token.rootcertbundle",
      "storaged.tls.ca",
      "storaged.tls.certificate",
      "storaged.tls.key",
      "cache.blobs.path",
      "cache.blobs.maxbytes",
  };
  return *keys;
}

absl::StatusOr<GatewayConfig> LoadGatewayConfig(
    const std::string& path,
    const std::map<std::string, std::string>& overrides) {
  GatewayConfig config;
  ASSIGN_OR_RETURN(ConfigFile file,
                   ConfigFile::Open(path, GatewayConfigKeys(), {}, overrides));
  config.listen = file.String(kListenKey, config.listen);
  config.storaged_target = file.String(kStoragedKey, config.storaged_target);
  config.log_level = file.String(kLogLevelKey, config.log_level);
  RETURN_IF_ERROR(BothOrNeither(file, "http.tls.certificate", "http.tls.key"));
  config.tls_certificate = file.String("http.tls.certificate", "");
  config.tls_key = file.String("http.tls.key", "");
  RETURN_IF_ERROR(
      BothOrNeither(file, "auth.htpasswd.realm", "auth.htpasswd.path"));
  config.htpasswd_realm = file.String("auth.htpasswd.realm", "");
  config.htpasswd_path = file.String("auth.htpasswd.path", "");
  const std::vector<std::string> token_keys = {
      "auth.token.realm", "auth.token.service", "auth.token.issuer",
      "auth.token.rootcertbundle"};
  for (const std::string& key : token_keys) {
    RETURN_IF_ERROR(BothOrNeither(file, token_keys[0], key));
  }
  config.token_realm = file.String("auth.token.realm", "");
  config.token_service = file.String("auth.token.service", "");
  config.token_issuer = file.String("auth.token.issuer", "");
  config.token_rootcertbundle = file.String("auth.token.rootcertbundle", "");
  if (!config.token_realm.empty() && !config.htpasswd_path.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        file.Where("auth.token.realm"),
        ": configure one of auth.htpasswd and auth.token, not both"));
  }
  RETURN_IF_ERROR(
      BothOrNeither(file, "storaged.tls.certificate", "storaged.tls.key"));
  config.storaged_ca = file.String("storaged.tls.ca", "");
  config.storaged_certificate = file.String("storaged.tls.certificate", "");
  config.storaged_key = file.String("storaged.tls.key", "");
  RETURN_IF_ERROR(
      BothOrNeither(file, "cache.blobs.path", "cache.blobs.maxbytes"));
  config.blob_cache_path = file.String("cache.blobs.path", "");
  ASSIGN_OR_RETURN(config.blob_cache_max_bytes,
                   file.Count("cache.blobs.maxbytes", 0));
  if (!config.blob_cache_path.empty() && config.blob_cache_max_bytes == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(file.Where("cache.blobs.maxbytes"),
                     ": cache.blobs.maxbytes must be above 0"));
  }
  return config;
}

}  // namespace registry::gateway
