#include "gateway/request_check.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/names.h"

namespace registry::gateway {
namespace {

absl::Status CheckManifestReference(const httplib::Request& req,
                                    const std::string& reference) {
  absl::Status parsed = Reference::Parse(reference).status();
  if (parsed.ok() || req.method == "PUT" || !IsUtf8(reference)) return parsed;
  return Error(absl::StatusCode::kNotFound, v1::MANIFEST_UNKNOWN,
               absl::StrCat("manifest unknown: \"", Printable(reference, 200),
                            "\" is neither a tag nor a digest"),
               Printable(reference, 200));
}

absl::Status CheckTarget(const httplib::Request& req, const RequestInfo& info) {
  if (info.route == "manifest") {
    return CheckManifestReference(req, info.target);
  }
  if (info.route == "blob" || info.route == "referrers") {
    return Digest::Parse(info.target).status();
  }
  if (info.route == "upload" && !IsUploadId(info.target)) {
    return Error(absl::StatusCode::kInvalidArgument, v1::BLOB_UPLOAD_INVALID,
                 absl::StrCat("\"", Printable(info.target, 100),
                              "\" is not an upload id (a lowercase UUID)"),
                 Printable(info.target, 100));
  }
  return absl::OkStatus();
}

// A parameter that must be valid UTF-8 (its grammar is checked where it is
// used): `reason` otherwise.
absl::Status CheckUtf8Param(const httplib::Request& req, const char* key,
                            v1::Reason reason) {
  if (!req.has_param(key)) return absl::OkStatus();
  const std::string value = req.get_param_value(key);
  if (IsUtf8(value)) return absl::OkStatus();
  return Error(absl::StatusCode::kInvalidArgument, reason,
               absl::StrCat("the ", key, " parameter \"", Printable(value, 200),
                            "\" is not UTF-8"),
               Printable(value, 200));
}

absl::Status CheckParams(const httplib::Request& req, const RequestInfo& info) {
  if (req.has_param("digest")) {
    absl::Status digest = Digest::Parse(req.get_param_value("digest")).status();
    if (!digest.ok()) return digest;
  }
  absl::Status mount = CheckUtf8Param(req, "mount", v1::DIGEST_INVALID);
  if (!mount.ok()) return mount;
  absl::Status from = CheckUtf8Param(req, "from", v1::NAME_INVALID);
  if (!from.ok()) return from;
  if (req.has_param("last")) {
    const std::string last = req.get_param_value("last");
    absl::Status valid = info.route == "catalog"
                             ? RepositoryName::Parse(last).status()
                             : Tag::Parse(last).status();
    if (!valid.ok()) return valid;
  }
  if (req.has_param("artifactType")) {
    const std::string type = req.get_param_value("artifactType");
    if (!IsMediaType(type)) {
      return Error(absl::StatusCode::kInvalidArgument, v1::INVALID_ARGUMENT,
                   absl::StrCat("artifactType \"", Printable(type, 200),
                                "\" is not a media type (type/subtype)"),
                   Printable(type, 200));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckRequestNames(const httplib::Request& req,
                               const RequestInfo& info) {
  if (!info.repository.empty()) {
    absl::Status name = RepositoryName::Parse(info.repository).status();
    if (!name.ok()) return name;
  }
  absl::Status target = CheckTarget(req, info);
  if (!target.ok()) return target;
  return CheckParams(req, info);
}

}  // namespace registry::gateway
