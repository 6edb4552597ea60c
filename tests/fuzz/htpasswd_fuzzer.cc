// libFuzzer target: htpasswd files, and Basic credentials checked against
// them (cheap bcrypt costs only: a cost-31 hash takes days by design).
#include <cstdint>
#include <string>

#include "gateway/auth/htpasswd.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view input(reinterpret_cast<const char*>(data), size);
  size_t split = input.find('\x01');
  absl::string_view file = input.substr(0, split);
  auto users = registry::gateway::Htpasswd::Parse(file, "fuzz");
  if (!users.ok() || split == absl::string_view::npos) return 0;
  // Every hash must have cost 04 for Verify to stay fast.
  for (size_t at = file.find("$2"); at != absl::string_view::npos;
       at = file.find("$2", at + 1)) {
    if (at + 7 > file.size() || file.substr(at + 4, 3) != "04$") return 0;
  }
  absl::string_view credentials = input.substr(split + 1);
  size_t colon = credentials.find(':');
  if (colon == absl::string_view::npos) return 0;
  (*users)->Verify(credentials.substr(0, colon), credentials.substr(colon + 1));
  return 0;
}
