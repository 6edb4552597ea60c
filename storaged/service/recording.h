// Events from the services (issue 14): each call records its event after
// its action succeeded and before it answers, through the recorder
// (storaged/events/recorder.h); a null recorder means no notifications.
// Deletes record before they act (an event for a delete that then fails
// is possible; a delete acknowledged without its event is not).
#ifndef REGISTRY_STORAGED_SERVICE_RECORDING_H_
#define REGISTRY_STORAGED_SERVICE_RECORDING_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include <functional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/digest.h"
#include "common/names.h"
#include "storaged/events/recorder.h"
#include "storaged/service/answer.h"
#include "storaged/storage.h"

namespace registry {

// The target of a blob event (Distribution gives blobs no media type but
// application/octet-stream).
events::Target BlobTarget(const RepositoryName& name, const Digest& digest,
                          int64_t size);

// The target of a manifest event; `tag` when the call named one; the
// descriptors it names when `recorder` asks for references.
events::Target ManifestTarget(const events::Recorder& recorder,
                              const RepositoryName& name, const Digest& digest,
                              absl::string_view media_type,
                              absl::string_view content, absl::string_view tag);

// Before deleting `reference` in `name`: records the delete of the manifest
// and of each tag pointing at it (a digest), or of the tag; nothing when it
// does not exist (the delete then fails as it would have).
absl::Status RecordDelete(events::Recorder* recorder,
                          const grpc::ServerContextBase& context,
                          Storage& storage, const RepositoryName& name,
                          const Reference& reference);

// For handlers on the sync API: `status` when it is not OK; else records
// the event of `action` on `target()` and returns how that went.
absl::Status Recorded(events::Recorder* recorder,
                      const grpc::ServerContextBase& context,
                      absl::Status status, absl::string_view action,
                      const std::function<events::Target()>& target);

// AnswerUnary for handlers on the callback API, finishing the call only
// once the event (when `status` is OK) is stored.
grpc::ServerUnaryReactor* AnswerUnaryRecorded(
    grpc::CallbackServerContext* context, const CallSubject& subject,
    absl::Status status, events::Recorder* recorder, absl::string_view action,
    const std::function<events::Target()>& target);

}  // namespace registry

#endif  // REGISTRY_STORAGED_SERVICE_RECORDING_H_
