#include "gateway/request_context.h"

#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
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

// Ids need to be unique, not secret: a per-thread generator seeded once.
std::string NewId() {
  static thread_local std::mt19937_64 random(std::random_device{}());
  return absl::StrCat(absl::Hex(random(), absl::kZeroPad16));
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
  context.origin = RequestOrigin();
  context.refusal = absl::OkStatus();
  context.start = absl::Now();
}

}  // namespace registry::gateway
