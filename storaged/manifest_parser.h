// Parses and validates manifest bytes: media type, JSON shape and the
// descriptors a manifest references. Pure functions; thread-safe.
#ifndef REGISTRY_STORAGED_MANIFEST_PARSER_H_
#define REGISTRY_STORAGED_MANIFEST_PARSER_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "common/digest.h"

namespace registry {

inline constexpr absl::string_view kOciManifest =
    "application/vnd.oci.image.manifest.v1+json";
inline constexpr absl::string_view kOciIndex =
    "application/vnd.oci.image.index.v1+json";
inline constexpr absl::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr absl::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";

struct ParsedManifest {
  std::string media_type;
  // Blobs that must be linked in the repository (config and layers, less
  // foreign layers that carry `urls`).
  std::vector<Digest> blobs;
  // Foreign layers (with `urls`): not required, but kept when stored.
  std::vector<Digest> foreign_blobs;
  // Manifests that must exist in the repository (an index's children).
  std::vector<Digest> manifests;
  absl::optional<Digest> subject;
  // artifactType, else the config's media type (OCI 1.1 referrers rule).
  std::string artifact_type;
  std::map<std::string, std::string> annotations;
};

// Validates `content`. `declared` is the client's Content-Type (parameters
// ignored; may be empty). InvalidArgument (MANIFEST_INVALID) for invalid
// JSON, schemaVersion other than 2, a schema1 or unknown media type, a
// declared type that contradicts the JSON's mediaType, or malformed
// descriptors (DIGEST_INVALID for a malformed digest).
absl::StatusOr<ParsedManifest> ParseManifest(absl::string_view content,
                                             absl::string_view declared);

// True when `media_type` is acceptable to a client sending `accept` (empty,
// exact match, "*/*", or "application/*").
bool Accepts(const std::vector<std::string>& accept,
             absl::string_view media_type);

}  // namespace registry

#endif  // REGISTRY_STORAGED_MANIFEST_PARSER_H_
