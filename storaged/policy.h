// What storaged lets clients change: read-only mode refuses every write,
// and deletes can be switched off (Distribution's
// storage.maintenance.readonly.enabled and storage.delete.enabled).
#ifndef REGISTRY_STORAGED_POLICY_H_
#define REGISTRY_STORAGED_POLICY_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace registry {

struct WritePolicy {
  bool read_only = false;
  bool delete_enabled = true;

  // OK unless read-only; then FAILED_PRECONDITION with reason UNSUPPORTED
  // (405 at the gateway), naming `what`.
  absl::Status CheckWrite(absl::string_view what) const;
  // As CheckWrite, and also refused when deletes are disabled.
  absl::Status CheckDelete(absl::string_view what) const;
};

}  // namespace registry

#endif  // REGISTRY_STORAGED_POLICY_H_
