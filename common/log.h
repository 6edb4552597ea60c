// Minimal leveled logging (Abseil 20220623 has no absl/log): one JSON line
// per message on stderr. Thread-safe.
#ifndef REGISTRY_COMMON_LOG_H_
#define REGISTRY_COMMON_LOG_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace registry {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Parses "debug", "info", "warn" or "error". InvalidArgument otherwise.
absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view name);

// Messages below `level` are dropped. Default: kInfo.
void SetLogLevel(LogLevel level);

// Whether messages at `level` are written (to skip building them).
bool LogEnabled(LogLevel level);

// Writes {"time":..,"level":..,"component":..,"msg":..} to stderr.
void Log(LogLevel level, absl::string_view component, absl::string_view msg);

// A value of a structured log line: text (quoted) or a number.
struct LogValue {
  LogValue(absl::string_view text) : text(text) {}   // NOLINT
  LogValue(const std::string& text) : text(text) {}  // NOLINT
  LogValue(const char* text) : text(text) {}         // NOLINT
  LogValue(int64_t number)
      : text(absl::StrCat(number)), quoted(false) {}                // NOLINT
  LogValue(int number) : LogValue(static_cast<int64_t>(number)) {}  // NOLINT
  LogValue(double number)
      : text(absl::StrCat(number)), quoted(false) {}  // NOLINT
  std::string text;
  bool quoted = true;
};
using LogFields = std::vector<std::pair<absl::string_view, LogValue>>;

// As Log, with `fields` after "msg" in the same JSON object.
void Log(LogLevel level, absl::string_view component, absl::string_view msg,
         const LogFields& fields);

}  // namespace registry

#endif  // REGISTRY_COMMON_LOG_H_
