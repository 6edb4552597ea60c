#include "storaged/manifest_parser.h"

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace registry {
namespace {

using Json = nlohmann::json;

absl::Status Invalid(absl::string_view why) {
  return Error(absl::StatusCode::kInvalidArgument, v1::MANIFEST_INVALID,
               absl::StrCat("manifest invalid: ", why));
}

bool IsSchema1(absl::string_view type) {
  return type == "application/vnd.docker.distribution.manifest.v1+json" ||
         type == "application/vnd.docker.distribution.manifest.v1+prettyjws";
}

bool IsKnown(absl::string_view type) {
  return type == kOciManifest || type == kOciIndex || type == kDockerManifest ||
         type == kDockerManifestList;
}

// The media type without parameters, lowercased.
std::string BareType(absl::string_view type) {
  type = type.substr(0, type.find(';'));
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(type));
}

absl::StatusOr<std::string> StringField(const Json& object, const char* key,
                                        bool required) {
  auto it = object.find(key);
  if (it == object.end()) {
    if (required) return Invalid(absl::StrCat("missing \"", key, "\""));
    return std::string();
  }
  if (!it->is_string()) {
    return Invalid(absl::StrCat("\"", key, "\" must be a string"));
  }
  return it->get<std::string>();
}

// Validates a descriptor and returns its digest.
absl::StatusOr<Digest> ParseDescriptor(const Json& d, absl::string_view where) {
  if (!d.is_object()) return Invalid(absl::StrCat(where, " is not an object"));
  ASSIGN_OR_RETURN(std::string media_type, StringField(d, "mediaType", true));
  ASSIGN_OR_RETURN(std::string digest, StringField(d, "digest", true));
  auto size = d.find("size");
  if (size == d.end() || !size->is_number_integer() ||
      size->get<int64_t>() < 0) {
    return Invalid(absl::StrCat(where, " needs a non-negative integer size"));
  }
  return Digest::Parse(digest);
}

absl::Status ParseAnnotations(const Json& root, ParsedManifest* out) {
  auto it = root.find("annotations");
  if (it == root.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_object()) return Invalid("\"annotations\" must be an object");
  for (const auto& [key, value] : it->items()) {
    if (!value.is_string()) return Invalid("annotation values must be strings");
    out->annotations[key] = value.get<std::string>();
  }
  return absl::OkStatus();
}

absl::Status ParseImage(const Json& root, ParsedManifest* out) {
  auto config = root.find("config");
  if (config == root.end()) return Invalid("missing \"config\"");
  ASSIGN_OR_RETURN(Digest config_digest, ParseDescriptor(*config, "config"));
  out->blobs.push_back(config_digest);
  if (out->artifact_type.empty()) {
    ASSIGN_OR_RETURN(out->artifact_type,
                     StringField(*config, "mediaType", true));
  }
  auto layers = root.find("layers");
  if (layers == root.end() || layers->is_null()) {
    if (out->media_type == kDockerManifest)
      return Invalid("missing \"layers\"");
    return absl::OkStatus();
  }
  if (!layers->is_array()) return Invalid("\"layers\" must be an array");
  for (const Json& layer : *layers) {
    ASSIGN_OR_RETURN(Digest digest, ParseDescriptor(layer, "layer"));
    auto urls = layer.find("urls");
    bool foreign = urls != layer.end() && urls->is_array() && !urls->empty();
    (foreign ? out->foreign_blobs : out->blobs).push_back(digest);
  }
  return absl::OkStatus();
}

absl::Status ParseIndex(const Json& root, ParsedManifest* out) {
  auto manifests = root.find("manifests");
  if (manifests == root.end() || !manifests->is_array()) {
    return Invalid("\"manifests\" must be an array");
  }
  for (const Json& child : *manifests) {
    ASSIGN_OR_RETURN(Digest digest, ParseDescriptor(child, "manifests[]"));
    out->manifests.push_back(digest);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ParsedManifest> ParseManifest(absl::string_view content,
                                             absl::string_view declared) {
  std::string declared_type = BareType(declared);
  if (IsSchema1(declared_type)) {
    return Invalid(
        "Docker schema1 manifests are not supported; push a schema2 or OCI "
        "manifest");
  }
  Json root = Json::parse(content.begin(), content.end(), nullptr,
                          /*allow_exceptions=*/false);
  if (root.is_discarded()) return Invalid("not valid JSON");
  if (!root.is_object()) return Invalid("not a JSON object");
  auto version = root.find("schemaVersion");
  if (version == root.end() || !version->is_number_integer()) {
    return Invalid("missing integer \"schemaVersion\"");
  }
  if (version->get<int64_t>() != 2) {
    return Invalid(
        absl::StrCat("schemaVersion ", version->dump(),
                     " is not supported (schema1 included); want 2"));
  }
  ParsedManifest out;
  ASSIGN_OR_RETURN(std::string json_type,
                   StringField(root, "mediaType", false));
  if (IsSchema1(json_type))
    return Invalid("schema1 manifests are not supported");
  if (!json_type.empty() && !IsKnown(json_type)) {
    return Invalid(absl::StrCat("unsupported mediaType \"", json_type, "\""));
  }
  bool declared_known = IsKnown(declared_type);
  if (!json_type.empty() && declared_known && json_type != declared_type) {
    return Invalid(absl::StrCat("mediaType \"", json_type,
                                "\" does not match Content-Type \"",
                                declared_type, "\""));
  }
  out.media_type = !json_type.empty()           ? json_type
                   : declared_known             ? declared_type
                   : root.contains("manifests") ? std::string(kOciIndex)
                                                : std::string(kOciManifest);
  ASSIGN_OR_RETURN(out.artifact_type, StringField(root, "artifactType", false));
  RETURN_IF_ERROR(ParseAnnotations(root, &out));
  auto subject = root.find("subject");
  if (subject != root.end() && !subject->is_null()) {
    ASSIGN_OR_RETURN(out.subject, ParseDescriptor(*subject, "subject"));
  }
  bool is_index =
      out.media_type == kOciIndex || out.media_type == kDockerManifestList;
  RETURN_IF_ERROR(is_index ? ParseIndex(root, &out) : ParseImage(root, &out));
  return out;
}

bool Accepts(const std::vector<std::string>& accept,
             absl::string_view media_type) {
  if (accept.empty()) return true;
  for (const std::string& entry : accept) {
    std::string type = BareType(entry);
    if (type == media_type || type == "*/*" || type == "application/*") {
      return true;
    }
  }
  return false;
}

}  // namespace registry
