#include "storaged/names.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace registry {
namespace {

bool IsLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// One path component: alnum runs joined by ".", "_", "__" or "-"+.
bool IsValidComponent(absl::string_view part) {
  if (part.empty() || !IsLowerAlnum(part.front()) ||
      !IsLowerAlnum(part.back())) {
    return false;
  }
  size_t i = 0;
  while (i < part.size()) {
    if (IsLowerAlnum(part[i])) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < part.size() && !IsLowerAlnum(part[i])) ++i;
    absl::string_view sep = part.substr(start, i - start);
    bool dashes = sep.find_first_not_of('-') == absl::string_view::npos;
    if (sep != "." && sep != "_" && sep != "__" && !dashes) return false;
  }
  return true;
}

bool IsTagChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

}  // namespace

absl::StatusOr<RepositoryName> RepositoryName::Parse(absl::string_view text) {
  auto invalid = [&](absl::string_view why) {
    return Error(absl::StatusCode::kInvalidArgument, v1::NAME_INVALID,
                 absl::StrCat("invalid repository name \"",
                              text.substr(0, kMaxNameLength + 1), "\": ", why),
                 text.substr(0, kMaxNameLength + 1));
  };
  if (text.empty()) return invalid("empty");
  if (text.size() > kMaxNameLength) {
    return invalid(absl::StrCat("longer than ", kMaxNameLength, " characters"));
  }
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('/', start);
    if (end == absl::string_view::npos) end = text.size();
    if (!IsValidComponent(text.substr(start, end - start))) {
      return invalid(
          "components must be lowercase letters and digits, separated by "
          "'.', '_', '__' or '-'");
    }
    start = end + 1;
  }
  return RepositoryName(std::string(text));
}

absl::StatusOr<Tag> Tag::Parse(absl::string_view text) {
  bool ok =
      !text.empty() && text.size() <= 128 && text[0] != '.' && text[0] != '-';
  for (size_t i = 0; ok && i < text.size(); ++i) ok = IsTagChar(text[i]);
  if (!ok) {
    return Error(absl::StatusCode::kInvalidArgument, v1::TAG_INVALID,
                 absl::StrCat("invalid tag \"", text.substr(0, 200),
                              "\": want [A-Za-z0-9_][A-Za-z0-9._-]{0,127}"),
                 text.substr(0, 200));
  }
  return Tag(std::string(text));
}

absl::StatusOr<Reference> Reference::Parse(absl::string_view text) {
  Reference reference;
  if (text.find(':') != absl::string_view::npos) {
    ASSIGN_OR_RETURN(reference.digest, Digest::Parse(text));
  } else {
    ASSIGN_OR_RETURN(reference.tag, Tag::Parse(text));
  }
  return reference;
}

}  // namespace registry
