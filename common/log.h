// Minimal leveled logging (Abseil 20220623 has no absl/log): one JSON line
// per message on stderr. Thread-safe.
#ifndef REGISTRY_COMMON_LOG_H_
#define REGISTRY_COMMON_LOG_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace registry {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Parses "debug", "info", "warn" or "error". InvalidArgument otherwise.
absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view name);

// Messages below `level` are dropped. Default: kInfo.
void SetLogLevel(LogLevel level);

// Writes {"time":..,"level":..,"component":..,"msg":..} to stderr.
void Log(LogLevel level, absl::string_view component, absl::string_view msg);

}  // namespace registry

#endif  // REGISTRY_COMMON_LOG_H_
