#include "common/names.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
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

// RFC 6838: [A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}.
bool IsRestrictedName(absl::string_view name) {
  if (name.empty() || name.size() > 127 || !absl::ascii_isalnum(name[0])) {
    return false;
  }
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && !absl::StrContains("!#$&^_.+-", c)) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool IsUtf8(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = text[i];
    int extra;
    uint32_t min;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      extra = 1, min = 0x80, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2, min = 0x800, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3, min = 0x10000, cp = c & 0x07;
    } else {
      return false;
    }
    if (text.size() - i <= static_cast<size_t>(extra)) return false;
    for (int k = 1; k <= extra; ++k) {
      unsigned char next = text[i + k];
      if ((next & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (next & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

bool IsUploadId(absl::string_view id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    char c = id[i];
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

bool IsMediaType(absl::string_view text) {
  size_t slash = text.find('/');
  return slash != absl::string_view::npos &&
         IsRestrictedName(text.substr(0, slash)) &&
         IsRestrictedName(text.substr(slash + 1));
}

absl::StatusOr<RepositoryName> RepositoryName::Parse(absl::string_view text) {
  auto invalid = [&](absl::string_view why) {
    return Error(absl::StatusCode::kInvalidArgument, v1::NAME_INVALID,
                 absl::StrCat("invalid repository name \"",
                              Printable(text, kMaxNameLength + 1), "\": ", why),
                 Printable(text, kMaxNameLength + 1));
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
                 absl::StrCat("invalid tag \"", Printable(text, 200),
                              "\": want [A-Za-z0-9_][A-Za-z0-9._-]{0,127}"),
                 Printable(text, 200));
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
