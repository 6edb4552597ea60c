#include "storaged/service/manifest_service.h"

#include "common/grpc_status.h"
#include "common/status_macros.h"
#include "storaged/service/answer.h"
#include "storaged/service/mirrors.h"

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

grpc::ServerUnaryReactor* ManifestServiceImpl::Get(
    grpc::CallbackServerContext* context, const v1::GetManifestRequest* request,
    v1::Manifest* response) {
  return AnswerUnary(context,
                     CallSubject{"read of manifest", request->reference(),
                                 request->repository()},
                     [&]() -> absl::Status {
                       ASSIGN_OR_RETURN(StoredManifest manifest,
                                        Load(*request));
                       response->set_digest(manifest.digest.ToString());
                       response->set_media_type(manifest.media_type);
                       response->set_content(std::move(manifest.content));
                       return absl::OkStatus();
                     }());
}

grpc::ServerUnaryReactor* ManifestServiceImpl::Stat(
    grpc::CallbackServerContext* context, const v1::GetManifestRequest* request,
    v1::ManifestInfo* response) {
  return AnswerUnary(
      context,
      CallSubject{"stat of manifest", request->reference(),
                  request->repository()},
      [&]() -> absl::Status {
        ASSIGN_OR_RETURN(StoredManifest manifest, Load(*request));
        response->set_digest(manifest.digest.ToString());
        response->set_media_type(manifest.media_type);
        response->set_size(static_cast<int64_t>(manifest.content.size()));
        return absl::OkStatus();
      }());
}

grpc::Status ManifestServiceImpl::Put(grpc::ServerContext*,
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
        return absl::OkStatus();
      }());
}

grpc::Status ManifestServiceImpl::Delete(
    grpc::ServerContext*, const v1::DeleteManifestRequest* request,
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
        return storage_->manifests.Delete(name, reference);
      }());
}

}  // namespace registry
