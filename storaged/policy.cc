#include "storaged/policy.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace registry {

absl::Status WritePolicy::CheckWrite(absl::string_view what) const {
  if (!read_only) return absl::OkStatus();
  return Error(absl::StatusCode::kFailedPrecondition, v1::UNSUPPORTED,
               absl::StrCat("the registry is in read-only mode: ", what,
                            " is refused; reads work"));
}

absl::Status WritePolicy::CheckDelete(absl::string_view what) const {
  if (!delete_enabled) {
    return Error(absl::StatusCode::kFailedPrecondition, v1::UNSUPPORTED,
                 absl::StrCat("deletes are disabled on this registry: ", what,
                              " is refused"));
  }
  return CheckWrite(what);
}

}  // namespace registry
