#include "common/config_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"

namespace registry {
namespace {

struct Flattener {
  const std::string& path;
  const std::set<std::string>& known;
  const std::set<std::string>& lists;
  std::map<std::string, std::pair<std::string, int>>& out;

  absl::Status Error(const YAML::Node& node, absl::string_view message) const {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ":", node.Mark().line + 1, ": ", message));
  }

  // `key` with its list indexes as "*": "a.0.b" -> "a.*.b", the form in
  // which `known` names the keys of mappings inside a list.
  static std::string Canonical(absl::string_view key) {
    std::vector<std::string> parts = absl::StrSplit(key, '.');
    for (std::string& part : parts) {
      if (!part.empty() &&
          part.find_first_not_of("0123456789") == std::string::npos) {
        part = "*";
      }
    }
    return absl::StrJoin(parts, ".");
  }

  // Whether `keys` names `canonical`, itself or as "parent.~" (any name
  // below parent, e.g. the headers of a request).
  static bool Names(const std::set<std::string>& keys,
                    const std::string& canonical) {
    if (keys.count(canonical) != 0) return true;
    size_t dot = canonical.rfind('.');
    return dot != std::string::npos &&
           keys.count(absl::StrCat(canonical.substr(0, dot), ".~")) != 0;
  }

  // Whether `canonical` holds a list of mappings (a known key lies below
  // "canonical.*.").
  bool IsTable(const std::string& canonical) const {
    std::string prefix = absl::StrCat(canonical, ".*.");
    auto it = known.lower_bound(prefix);
    return it != known.end() && absl::StartsWith(*it, prefix);
  }

  absl::Status Visit(const YAML::Node& node, const std::string& key) const {
    const std::string canonical = Canonical(key);
    if (node.IsSequence() && IsTable(canonical)) {
      int index = 0;
      for (const YAML::Node& item : node) {
        if (!item.IsMap() || item.size() == 0) {
          return Error(
              item, absl::StrCat("key \"", key, "\" takes a list of mappings"));
        }
        RETURN_IF_ERROR(Visit(item, absl::StrCat(key, ".", index++)));
      }
      return absl::OkStatus();
    }
    if (node.IsMap() && node.size() > 0) {
      for (const auto& entry : node) {
        if (!entry.first.IsScalar()) {
          return Error(entry.first, "keys must be plain names");
        }
        std::string name = entry.first.Scalar();
        std::string child = key.empty() ? name : absl::StrCat(key, ".", name);
        RETURN_IF_ERROR(Visit(entry.second, child));
      }
      return absl::OkStatus();
    }
    if (!Names(known, canonical)) {
      return Error(node, absl::StrCat("unknown key \"", key, "\""));
    }
    if (node.IsSequence()) {
      if (!Names(lists, canonical)) {
        return Error(node, absl::StrCat("key \"", key,
                                        "\" takes one value, not a list"));
      }
      std::string joined;
      for (const YAML::Node& item : node) {
        if (!item.IsScalar()) {
          return Error(
              item, absl::StrCat("key \"", key, "\" takes a list of values"));
        }
        absl::StrAppend(&joined, joined.empty() ? "" : "\n", item.Scalar());
      }
      out[key] = {joined, node.Mark().line + 1};
      return absl::OkStatus();
    }
    out[key] = {node.IsScalar() ? node.Scalar() : "", node.Mark().line + 1};
    return absl::OkStatus();
  }
};

}  // namespace

absl::StatusOr<ConfigFile> ConfigFile::Load(
    const std::string& path, const std::set<std::string>& known,
    const std::set<std::string>& lists) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return absl::NotFoundError(
        absl::StrCat("cannot read configuration file ", path));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ":", e.mark.line + 1, ": malformed YAML: ", e.msg));
  }
  std::map<std::string, std::pair<std::string, int>> flat;
  if (root.IsDefined() && !root.IsNull()) {
    if (!root.IsMap()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": the configuration must be a mapping"));
    }
    try {
      RETURN_IF_ERROR((Flattener{path, known, lists, flat}.Visit(root, "")));
    } catch (const YAML::Exception& e) {  // Nothing should throw; be sure.
      return absl::InvalidArgumentError(absl::StrCat(
          path, ":", e.mark.line + 1, ": malformed YAML: ", e.msg));
    }
  }
  ConfigFile config;
  config.path_ = path;
  for (auto& [key, value] : flat) {
    config.values_[key] = {std::move(value.first), value.second};
  }
  return config;
}

absl::StatusOr<ConfigFile> ConfigFile::Open(
    const std::string& path, const std::set<std::string>& known,
    const std::set<std::string>& lists,
    const std::map<std::string, std::string>& overrides) {
  ConfigFile config;
  if (!path.empty()) {
    ASSIGN_OR_RETURN(config, Load(path, known, lists));
  }
  for (const auto& [key, value] : overrides) {
    config.values_[key] = {value, 0};
  }
  return config;
}

bool ConfigFile::Has(absl::string_view key) const {
  return values_.find(key) != values_.end();
}

std::string ConfigFile::String(absl::string_view key,
                               absl::string_view fallback) const {
  auto it = values_.find(key);
  return it == values_.end() ? std::string(fallback) : it->second.text;
}

absl::StatusOr<bool> ConfigFile::Bool(absl::string_view key,
                                      bool fallback) const {
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  std::string text = absl::AsciiStrToLower(it->second.text);
  if (text == "true") return true;
  if (text == "false") return false;
  return absl::InvalidArgumentError(
      absl::StrCat(Where(key), ": key \"", key,
                   "\" must be true or false, not \"", it->second.text, "\""));
}

absl::StatusOr<absl::Duration> ConfigFile::Duration(
    absl::string_view key, absl::Duration fallback) const {
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  absl::Duration duration;
  if (!absl::ParseDuration(it->second.text, &duration) ||
      duration < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        Where(key), ": key \"", key,
        "\" must be a duration such as 24h, not \"", it->second.text, "\""));
  }
  return duration;
}

absl::StatusOr<int64_t> ConfigFile::Count(absl::string_view key,
                                          int64_t fallback) const {
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  int64_t count;
  if (!absl::SimpleAtoi(it->second.text, &count) || count < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        Where(key), ": key \"", key, "\" must be a count (0 or more), not \"",
        it->second.text, "\""));
  }
  return count;
}

std::vector<std::string> ConfigFile::Strings(absl::string_view key) const {
  auto it = values_.find(key);
  if (it == values_.end() || it->second.text.empty()) return {};
  return absl::StrSplit(it->second.text, '\n');
}

std::set<std::string> ConfigFile::Children(absl::string_view section) const {
  std::set<std::string> children;
  std::string prefix = absl::StrCat(section, ".");
  for (const auto& [key, value] : values_) {
    if (!absl::StartsWith(key, prefix)) continue;
    std::string rest = key.substr(prefix.size());
    children.insert(rest.substr(0, rest.find('.')));
  }
  return children;
}

std::vector<std::string> ConfigFile::Items(absl::string_view list) const {
  std::vector<int> indexes;
  for (const std::string& child : Children(list)) {
    int index = 0;
    if (absl::SimpleAtoi(child, &index)) indexes.push_back(index);
  }
  std::sort(indexes.begin(), indexes.end());
  std::vector<std::string> items;
  for (int index : indexes)
    items.push_back(absl::StrCat(list, ".", index, "."));
  return items;
}

std::map<std::string, std::string> ConfigFile::Values(
    absl::string_view section) const {
  std::map<std::string, std::string> values;
  std::string prefix = absl::StrCat(section, ".");
  for (const auto& [key, value] : values_) {
    if (!absl::StartsWith(key, prefix)) continue;
    std::string rest = key.substr(prefix.size());
    if (rest.find('.') == std::string::npos) values[rest] = value.text;
  }
  return values;
}

std::string ConfigFile::Where(absl::string_view key) const {
  auto it = values_.find(key);
  if (it != values_.end() && it->second.line == 0) return "the command line";
  return absl::StrCat(path_, ":", it == values_.end() ? 0 : it->second.line);
}

}  // namespace registry
