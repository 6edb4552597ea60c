// Repository names, tags and references, validated against the OCI
// Distribution Spec grammar once and then passed around as values.
//   name      := component ("/" component)*, at most 255 characters
//   component := [a-z0-9]+ (("." | "_" | "__" | "-"+) [a-z0-9]+)*
//   tag       := [A-Za-z0-9_][A-Za-z0-9._-]{0,127}
//   upload id := a lowercase UUID
#ifndef REGISTRY_COMMON_NAMES_H_
#define REGISTRY_COMMON_NAMES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "common/digest.h"

namespace registry {

inline constexpr size_t kMaxNameLength = 255;

class RepositoryName {
 public:
  // InvalidArgument (NAME_INVALID) unless `text` matches the grammar.
  static absl::StatusOr<RepositoryName> Parse(absl::string_view text);
  const std::string& str() const { return name_; }

 private:
  explicit RepositoryName(std::string name) : name_(std::move(name)) {}
  std::string name_;
};

class Tag {
 public:
  // InvalidArgument (TAG_INVALID) unless `text` matches the grammar.
  static absl::StatusOr<Tag> Parse(absl::string_view text);
  const std::string& str() const { return tag_; }

 private:
  explicit Tag(std::string tag) : tag_(std::move(tag)) {}
  std::string tag_;
};

// Whether `text` is well-formed UTF-8 (no overlongs, surrogates or code
// points past U+10FFFF).
bool IsUtf8(absl::string_view text);

// Upload ids are UUIDs in lowercase hex (as Distribution's).
bool IsUploadId(absl::string_view id);

// A media type: type "/" subtype, each an RFC 6838 restricted-name, no
// parameters (artifactType filters, config and artifact types).
bool IsMediaType(absl::string_view text);

// A manifest reference: exactly one of a tag or a digest.
struct Reference {
  // Anything with a ':' is parsed as a digest (DIGEST_INVALID when bad),
  // anything else as a tag (TAG_INVALID when bad).
  static absl::StatusOr<Reference> Parse(absl::string_view text);

  absl::optional<Tag> tag;
  absl::optional<Digest> digest;
};

}  // namespace registry

#endif  // REGISTRY_COMMON_NAMES_H_
