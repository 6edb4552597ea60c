#include "drivers/path_check.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace registry::drivers {
namespace {

bool IsPathChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

}  // namespace

absl::Status CheckPath(absl::string_view driver, absl::string_view path,
                       bool allow_root) {
  auto invalid = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        driver, ": invalid path \"", path.substr(0, 300), "\": ", why));
  };
  if (path == "/") {
    return allow_root ? absl::OkStatus() : invalid("the root is not a file");
  }
  if (path.empty() || path[0] != '/') return invalid("must be absolute");
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == absl::string_view::npos) end = path.size();
    absl::string_view part = path.substr(start, end - start);
    if (part.empty()) return invalid("empty component");
    if (part == "." || part == "..") return invalid("relative component");
    for (char c : part) {
      if (!IsPathChar(c)) return invalid("character outside [A-Za-z0-9._-]");
    }
    start = end + 1;
  }
  return absl::OkStatus();
}

absl::string_view ParentPath(absl::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == 0 || slash == absl::string_view::npos) return "/";
  return path.substr(0, slash);
}

std::string JoinPath(absl::string_view dir, absl::string_view name) {
  return dir == "/" ? absl::StrCat("/", name) : absl::StrCat(dir, "/", name);
}

}  // namespace registry::drivers
