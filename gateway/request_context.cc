#include "gateway/request_context.h"

#include <openssl/rand.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/time/clock.h"

namespace registry::gateway {
namespace {

bool WellFormed(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

std::string NewId() {
  unsigned char bytes[8];
  RAND_bytes(bytes, sizeof(bytes));
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<char*>(bytes), sizeof(bytes)));
}

}  // namespace

RequestContext& CurrentRequest() {
  static thread_local RequestContext context;
  return context;
}

void BeginRequest(absl::string_view client_id) {
  RequestContext& context = CurrentRequest();
  context.id = WellFormed(client_id) ? std::string(client_id) : NewId();
  context.user.clear();
  context.refusal = absl::OkStatus();
  context.start = absl::Now();
}

}  // namespace registry::gateway
