#include "storaged/service/recording.h"

#include <utility>

#include "common/grpc_status.h"
#include "common/status_macros.h"

namespace registry {

events::Target BlobTarget(const RepositoryName& name, const Digest& digest,
                          int64_t size) {
  events::Target target;
  target.media_type = "application/octet-stream";
  target.size = size;
  target.digest = digest.ToString();
  target.repository = name.str();
  return target;
}

events::Target ManifestTarget(const events::Recorder& recorder,
                              const RepositoryName& name, const Digest& digest,
                              absl::string_view media_type,
                              absl::string_view content,
                              absl::string_view tag) {
  events::Target target;
  target.media_type = std::string(media_type);
  target.size = static_cast<int64_t>(content.size());
  target.digest = digest.ToString();
  target.repository = name.str();
  target.tag = std::string(tag);
  target.is_manifest = true;
  if (recorder.include_references()) {
    target.references = events::ManifestReferences(content);
  }
  return target;
}

absl::Status RecordDelete(events::Recorder* recorder,
                          const grpc::ServerContextBase& context,
                          Storage& storage, const RepositoryName& name,
                          const Reference& reference) {
  if (recorder == nullptr) return absl::OkStatus();
  auto tag_target = [&](const std::string& tag) {
    events::Target target;
    target.repository = name.str();
    target.tag = tag;
    return target;
  };
  // Only a target that is not there goes unrecorded (the delete then
  // fails as it would have); any other error fails the delete.
  auto gone = [](const absl::Status& status) {
    return absl::IsNotFound(status);
  };
  if (reference.tag.has_value()) {
    absl::Status found = storage.tags.Resolve(name, *reference.tag).status();
    if (gone(found)) return absl::OkStatus();
    RETURN_IF_ERROR(found);
    return recorder->Record(context, "delete",
                            tag_target(reference.tag->str()));
  }
  const Digest& digest = *reference.digest;
  absl::Status found = storage.manifests.Get(name, reference, {}).status();
  if (gone(found)) return absl::OkStatus();
  RETURN_IF_ERROR(found);
  events::Target manifest;
  manifest.repository = name.str();
  manifest.digest = digest.ToString();
  manifest.is_manifest = true;
  RETURN_IF_ERROR(recorder->Record(context, "delete", manifest));
  absl::StatusOr<std::vector<std::string>> tags = storage.tags.All(name);
  if (gone(tags.status())) return absl::OkStatus();
  RETURN_IF_ERROR(tags.status());
  for (const std::string& text : *tags) {
    absl::StatusOr<Tag> tag = Tag::Parse(text);
    if (!tag.ok()) continue;
    absl::StatusOr<Digest> current = storage.tags.Resolve(name, *tag);
    if (current.ok() && *current == digest) {
      RETURN_IF_ERROR(recorder->Record(context, "delete", tag_target(text)));
    }
  }
  return absl::OkStatus();
}

absl::Status Recorded(events::Recorder* recorder,
                      const grpc::ServerContextBase& context,
                      absl::Status status, absl::string_view action,
                      const std::function<events::Target()>& target) {
  if (!status.ok() || recorder == nullptr) return status;
  return recorder->Record(context, action, target());
}

grpc::ServerUnaryReactor* AnswerUnaryRecorded(
    grpc::CallbackServerContext* context, const CallSubject& subject,
    absl::Status status, events::Recorder* recorder, absl::string_view action,
    const std::function<events::Target()>& target) {
  if (!status.ok() || recorder == nullptr) {
    return AnswerUnary(context, subject, status);
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // The subject views the request, which lives until the call finishes.
  recorder->RecordThen(
      *context, action, target(), [reactor, subject](absl::Status stored) {
        reactor->Finish(ToGrpcStatus(ForCaller(subject, stored)));
      });
  return reactor;
}

}  // namespace registry
