#include "storaged/service/manifest_service.h"

#include "common/grpc_status.h"
#include "common/status_macros.h"
#include "storaged/service/answer.h"
#include "storaged/service/mirrors.h"
#include "storaged/service/recording.h"

namespace registry {

absl::StatusOr<StoredManifest> ManifestServiceImpl::Load(
    const v1::GetManifestRequest& request) {
  ASSIGN_OR_RETURN(RepositoryName name,
                   RepositoryName::Parse(request.repository()));
  ASSIGN_OR_RETURN(Reference reference, Reference::Parse(request.reference()));
  std::vector<std::string> accept(request.accept().begin(),
                                  request.accept().end());
  if (Mirrored(mirrors_, name)) {
    return mirrors_->GetManifest(name, reference, accept);
  }
  return storage_->manifests.Get(name, reference, accept);
}

absl::optional<events::Target> ManifestServiceImpl::PullTarget(
    const v1::GetManifestRequest& request, const StoredManifest& manifest) {
  if (events_ == nullptr) return absl::nullopt;
  absl::StatusOr<RepositoryName> name =
      RepositoryName::Parse(request.repository());
  absl::StatusOr<Reference> reference = Reference::Parse(request.reference());
  if (!name.ok() || !reference.ok()) return absl::nullopt;
  return ManifestTarget(
      *events_, *name, manifest.digest, manifest.media_type, manifest.content,
      reference->tag.has_value() ? reference->tag->str() : "");
}

grpc::ServerUnaryReactor* ManifestServiceImpl::AnswerPull(
    grpc::CallbackServerContext* context, const v1::GetManifestRequest& request,
    const char* action, const std::function<void(StoredManifest&)>& fill) {
  absl::optional<events::Target> pulled;
  absl::Status status = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(StoredManifest manifest, Load(request));
    pulled = PullTarget(request, manifest);
    fill(manifest);
    return absl::OkStatus();
  }();
  return AnswerUnaryRecorded(
      context, CallSubject{action, request.reference(), request.repository()},
      std::move(status), pulled.has_value() ? events_ : nullptr, "pull",
      [&] { return *pulled; });
}

grpc::ServerUnaryReactor* ManifestServiceImpl::Get(
    grpc::CallbackServerContext* context, const v1::GetManifestRequest* request,
    v1::Manifest* response) {
  return AnswerPull(context, *request, "read of manifest",
                    [&](StoredManifest& manifest) {
                      response->set_digest(manifest.digest.ToString());
                      response->set_media_type(manifest.media_type);
                      response->set_content(std::move(manifest.content));
                    });
}

// A HEAD of a manifest is a pull too, as Distribution counts them.
grpc::ServerUnaryReactor* ManifestServiceImpl::Stat(
    grpc::CallbackServerContext* context, const v1::GetManifestRequest* request,
    v1::ManifestInfo* response) {
  return AnswerPull(
      context, *request, "stat of manifest", [&](StoredManifest& manifest) {
        response->set_digest(manifest.digest.ToString());
        response->set_media_type(manifest.media_type);
        response->set_size(static_cast<int64_t>(manifest.content.size()));
      });
}

grpc::Status ManifestServiceImpl::Put(grpc::ServerContext* context,
                                      const v1::PutManifestRequest* request,
                                      v1::PutManifestResponse* response) {
  return Answer(
      CallSubject{"push of manifest", request->reference(),
                  request->repository()},
      [&]() -> absl::Status {
        RETURN_IF_ERROR(storage_->policy.CheckWrite("pushing a manifest"));
        ASSIGN_OR_RETURN(RepositoryName name,
                         RepositoryName::Parse(request->repository()));
        RETURN_IF_ERROR(CheckNotMirrored(mirrors_, name, "pushing a manifest"));
        ASSIGN_OR_RETURN(Reference reference,
                         Reference::Parse(request->reference()));
        absl::optional<Digest> subject;
        ASSIGN_OR_RETURN(
            StoredManifest stored,
            storage_->manifests.Put(name, reference, request->media_type(),
                                    request->content(), &subject));
        response->set_digest(stored.digest.ToString());
        if (subject.has_value()) response->set_subject(subject->ToString());
        // A retried put stores the same and records again: at least once.
        return Recorded(events_, *context, absl::OkStatus(), "push", [&] {
          return ManifestTarget(
              *events_, name, stored.digest, stored.media_type,
              request->content(),
              reference.tag.has_value() ? reference.tag->str() : "");
        });
      }());
}

grpc::Status ManifestServiceImpl::Delete(
    grpc::ServerContext* context, const v1::DeleteManifestRequest* request,
    v1::DeleteManifestResponse*) {
  return Answer(
      CallSubject{"delete of manifest", request->reference(),
                  request->repository()},
      [&]() -> absl::Status {
        RETURN_IF_ERROR(storage_->policy.CheckDelete("deleting a manifest"));
        ASSIGN_OR_RETURN(RepositoryName name,
                         RepositoryName::Parse(request->repository()));
        RETURN_IF_ERROR(
            CheckNotMirrored(mirrors_, name, "deleting a manifest"));
        ASSIGN_OR_RETURN(Reference reference,
                         Reference::Parse(request->reference()));
        RETURN_IF_ERROR(
            RecordDelete(events_, *context, *storage_, name, reference));
        return storage_->manifests.Delete(name, reference);
      }());
}

}  // namespace registry
