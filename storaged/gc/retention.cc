#include "storaged/gc/retention.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace registry::gc {
namespace {

bool NameCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-' || c == '/';
}

// Glob matching with backtracking over the two kinds of star.
bool Match(const char* glob, const char* name) {
  while (*glob != '\0') {
    if (glob[0] == '*') {
      const bool any = glob[1] == '*';
      const char* rest = glob + (any ? 2 : 1);
      for (const char* at = name;; ++at) {
        if (Match(rest, at)) return true;
        if (*at == '\0' || (!any && *at == '/')) return false;
      }
    }
    if (*name == '\0') return false;
    if (glob[0] == '?' ? *name == '/' : *glob != *name) return false;
    ++glob;
    ++name;
  }
  return *name == '\0';
}

}  // namespace

absl::StatusOr<RepositoryGlob> RepositoryGlob::Parse(const std::string& glob) {
  if (glob.empty()) {
    return absl::InvalidArgumentError("a repository glob cannot be empty");
  }
  for (size_t i = 0; i < glob.size(); ++i) {
    char c = glob[i];
    if (c == '*' && i + 2 < glob.size() && glob[i + 1] == '*' &&
        glob[i + 2] == '*') {
      return absl::InvalidArgumentError(
          absl::StrCat("repository glob \"", glob, "\" has \"***\""));
    }
    if (c != '*' && c != '?' && !NameCharacter(c)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "repository glob \"", glob, "\" holds '", std::string(1, c),
          "': only name characters, *, ** and ? are allowed"));
    }
  }
  RepositoryGlob out;
  out.text_ = glob;
  return out;
}

bool RepositoryGlob::Matches(const std::string& repository) const {
  return Match(text_.c_str(), repository.c_str());
}

absl::Status RetentionPolicy::AddPattern(const std::string& pattern) {
  try {
    compiled.push_back(std::make_shared<const std::regex>(
        pattern, std::regex::ECMAScript | std::regex::optimize));
  } catch (const std::regex_error& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("tag pattern \"", pattern,
                     "\" is not a regular expression: ", e.what()));
  }
  patterns.push_back(pattern);
  return absl::OkStatus();
}

const RetentionPolicy* PolicyFor(const std::vector<RetentionPolicy>& policies,
                                 const std::string& repository) {
  for (const RetentionPolicy& policy : policies) {
    for (const RepositoryGlob& glob : policy.repositories) {
      if (glob.Matches(repository)) return &policy;
    }
  }
  return nullptr;
}

std::vector<std::string> TagsToDelete(
    const RetentionPolicy& policy,
    const std::map<std::string, absl::Time>& pushed, absl::Time now) {
  if (!policy.HasTagRules()) return {};
  std::vector<std::pair<absl::Time, std::string>> newest_first;
  for (const auto& [tag, time] : pushed) newest_first.emplace_back(time, tag);
  std::sort(newest_first.begin(), newest_first.end(),
            [](const auto& a, const auto& b) {
              return a.first != b.first ? a.first > b.first
                                        : a.second < b.second;
            });
  std::vector<std::string> out;
  for (size_t rank = 0; rank < newest_first.size(); ++rank) {
    const auto& [time, tag] = newest_first[rank];
    bool keep = policy.most_recent.has_value() &&
                static_cast<int64_t>(rank) < *policy.most_recent;
    keep = keep || (policy.pushed_within.has_value() &&
                    now - time <= *policy.pushed_within);
    for (const auto& regex : policy.compiled) {
      keep = keep || std::regex_search(tag, *regex);
    }
    if (!keep) out.push_back(tag);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace registry::gc
