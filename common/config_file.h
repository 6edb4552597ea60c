// A YAML configuration file read as dotted keys ("storage.s3.bucket") with
// scalar values, each remembering its line, and checked against the keys
// the reading binary knows, so that a typo is an error naming the key and
// the line rather than a silently ignored setting. Immutable; thread-safe.
#ifndef REGISTRY_COMMON_CONFIG_FILE_H_
#define REGISTRY_COMMON_CONFIG_FILE_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace registry {

class ConfigFile {
 public:
  // Reads `path`. InvalidArgument naming the file and line for malformed
  // YAML, a sequence where a value belongs, or a key not in `known` (an
  // empty mapping or null counts as a key, e.g. "storage.inmemory: {}").
  // NotFound when the file cannot be read. Keys in `lists` may hold a list
  // of values (or one). A key may hold a list of mappings when `known`
  // names keys below it with "*" for the index ("a.*.b"); its items are
  // read as "a.0.b", "a.1.b", ... A key "a.~" in `known` (or `lists`)
  // stands for every name directly below "a" (a mapping of free names).
  static absl::StatusOr<ConfigFile> Load(
      const std::string& path, const std::set<std::string>& known,
      const std::set<std::string>& lists = {});

  // Load(path) when `path` is not empty (no values otherwise), then the
  // values of `overrides` (given on the command line), which win.
  static absl::StatusOr<ConfigFile> Open(
      const std::string& path, const std::set<std::string>& known,
      const std::set<std::string>& lists,
      const std::map<std::string, std::string>& overrides);

  bool Has(absl::string_view key) const;
  // The value of `key`, or `fallback` when absent.
  std::string String(absl::string_view key, absl::string_view fallback) const;
  // The values of a list key (one value is a list of one).
  std::vector<std::string> Strings(absl::string_view key) const;
  // "true"/"false"; InvalidArgument naming the key and line otherwise.
  absl::StatusOr<bool> Bool(absl::string_view key, bool fallback) const;
  // A whole number, 0 or more; InvalidArgument naming the key and line
  // otherwise.
  absl::StatusOr<int64_t> Count(absl::string_view key, int64_t fallback) const;
  // A duration such as "168h" or "30m"; InvalidArgument naming the key and
  // line when malformed or negative.
  absl::StatusOr<absl::Duration> Duration(absl::string_view key,
                                          absl::Duration fallback) const;
  // The keys directly below `section` ("storage" -> {"s3", "redirect"}).
  std::set<std::string> Children(absl::string_view section) const;
  // The item keys of a list of mappings ("a" -> {"a.0.", "a.1.", ...}), in
  // the file's order.
  std::vector<std::string> Items(absl::string_view list) const;
  // The values directly below `section`, keyed by their last component.
  std::map<std::string, std::string> Values(absl::string_view section) const;
  // "FILE:LINE" of `key`, for messages.
  std::string Where(absl::string_view key) const;

 private:
  struct Value {
    std::string text;
    int line = 0;
  };
  std::string path_;
  std::map<std::string, Value, std::less<>> values_;
};

}  // namespace registry

#endif  // REGISTRY_COMMON_CONFIG_FILE_H_
