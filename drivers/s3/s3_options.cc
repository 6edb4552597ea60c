#include "drivers/s3/s3_options.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"

namespace registry::drivers::s3 {
namespace {

const std::set<std::string>& KnownKeys() {
  static const auto* keys = new std::set<std::string>{
      "region",
      "regionendpoint",
      "bucket",
      "accesskey",
      "secretkey",
      "rootdirectory",
      "chunksize",
      "forcepathstyle",
      "secure",
      "multipartcopythresholdsize",
      "multipartcopychunksize",
      "v4auth",  // Accepted for Distribution configs; always SigV4.
  };
  return *keys;
}

absl::Status Invalid(absl::string_view key, absl::string_view value,
                     absl::string_view want) {
  return absl::InvalidArgumentError(
      absl::StrCat("s3: storage.s3.", key, " is \"", value, "\"; want ", want));
}

std::string Param(const DriverParams& params, const std::string& key) {
  auto it = params.find(key);
  return it == params.end() ? "" : it->second;
}

std::string Env(const GetEnv& getenv, const char* name) {
  const char* value = getenv(name);
  return value == nullptr ? "" : value;
}

absl::StatusOr<bool> Bool(const DriverParams& params, const std::string& key,
                          bool fallback) {
  std::string value = absl::AsciiStrToLower(Param(params, key));
  if (value.empty()) return fallback;
  if (value == "true") return true;
  if (value == "false") return false;
  return Invalid(key, value, "true or false");
}

absl::StatusOr<int64_t> Bytes(const DriverParams& params,
                              const std::string& key, int64_t fallback,
                              int64_t min, int64_t max) {
  std::string value = Param(params, key);
  if (value.empty()) return fallback;
  int64_t bytes = 0;
  if (!absl::SimpleAtoi(value, &bytes) || bytes < min || bytes > max) {
    return Invalid(key, value,
                   absl::StrCat("a byte count from ", min, " to ", max));
  }
  return bytes;
}

}  // namespace

absl::StatusOr<S3Options> ParseS3Options(const DriverParams& params,
                                         const GetEnv& getenv) {
  for (const auto& [key, value] : params) {
    if (KnownKeys().count(key) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("s3: unknown key storage.s3.", key,
                       "; known: ", absl::StrJoin(KnownKeys(), ", ")));
    }
  }
  S3Options options;
  S3Endpoint& endpoint = options.endpoint;
  endpoint.bucket = Param(params, "bucket");
  if (endpoint.bucket.empty()) {
    return absl::InvalidArgumentError("s3: storage.s3.bucket is required");
  }
  endpoint.region = Param(params, "region");
  if (endpoint.region.empty()) endpoint.region = Env(getenv, "AWS_REGION");
  if (endpoint.region.empty()) {
    endpoint.region = Env(getenv, "AWS_DEFAULT_REGION");
  }
  if (endpoint.region.empty()) endpoint.region = "us-east-1";

  ASSIGN_OR_RETURN(bool secure, Bool(params, "secure", true));
  ASSIGN_OR_RETURN(bool path_style, Bool(params, "forcepathstyle", false));
  endpoint.path_style = path_style;
  std::string url = Param(params, "regionendpoint");
  if (url.empty()) {
    url = absl::StrCat("s3.", endpoint.region, ".amazonaws.com");
  }
  if (!absl::StrContains(url, "://")) {
    url = absl::StrCat(secure ? "https://" : "http://", url);
  }
  endpoint.url = std::string(absl::StripSuffix(url, "/"));

  Credentials& credentials = endpoint.credentials;
  credentials.access_key = Param(params, "accesskey");
  credentials.secret_key = Param(params, "secretkey");
  if (credentials.access_key.empty() && credentials.secret_key.empty()) {
    credentials.access_key = Env(getenv, "AWS_ACCESS_KEY_ID");
    credentials.secret_key = Env(getenv, "AWS_SECRET_ACCESS_KEY");
    credentials.session_token = Env(getenv, "AWS_SESSION_TOKEN");
  }
  if (credentials.access_key.empty() || credentials.secret_key.empty()) {
    return absl::InvalidArgumentError(
        "s3: no credentials: set storage.s3.accesskey and secretkey, or "
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  }

  std::string root(absl::StripSuffix(
      absl::StripPrefix(Param(params, "rootdirectory"), "/"), "/"));
  options.root_prefix = root.empty() ? "" : absl::StrCat(root, "/");

  ASSIGN_OR_RETURN(options.chunk_size,
                   Bytes(params, "chunksize", options.chunk_size, kMinChunkSize,
                         kMaxCopySize));
  ASSIGN_OR_RETURN(options.multipart_copy_threshold,
                   Bytes(params, "multipartcopythresholdsize",
                         options.multipart_copy_threshold, 0, kMaxCopySize));
  ASSIGN_OR_RETURN(
      options.multipart_copy_chunk_size,
      Bytes(params, "multipartcopychunksize", options.multipart_copy_chunk_size,
            kMinChunkSize, kMaxCopySize));
  return options;
}

}  // namespace registry::drivers::s3
