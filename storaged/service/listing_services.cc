#include "storaged/service/listing_services.h"

#include "common/grpc_status.h"
#include "common/status_macros.h"
#include "storaged/catalog.h"
#include "storaged/service/answer.h"
#include "storaged/service/mirrors.h"
#include "storaged/service/recording.h"

namespace registry {
namespace {

absl::optional<int> PageSize(bool has_n, int n) {
  return has_n ? absl::optional<int>(n) : absl::nullopt;
}

}  // namespace

grpc::ServerUnaryReactor* TagServiceImpl::List(
    grpc::CallbackServerContext* context, const v1::ListTagsRequest* request,
    v1::ListTagsResponse* response) {
  return AnswerUnary(
      context, CallSubject{"listing of tags", "", request->repository()},
      [&]() -> absl::Status {
        ASSIGN_OR_RETURN(RepositoryName name,
                         RepositoryName::Parse(request->repository()));
        ASSIGN_OR_RETURN(std::vector<std::string> tags,
                         Mirrored(mirrors_, name) ? mirrors_->Tags(name)
                                                  : storage_->tags.All(name));
        Page page = Paginate(tags, PageSize(request->has_n(), request->n()),
                             request->last());
        response->set_repository(name.str());
        for (std::string& tag : page.items) response->add_tags(std::move(tag));
        response->set_more(page.more);
        return absl::OkStatus();
      }());
}

grpc::Status TagServiceImpl::Delete(grpc::ServerContext* context,
                                    const v1::DeleteTagRequest* request,
                                    v1::DeleteTagResponse*) {
  return Answer(
      CallSubject{"delete of tag", request->tag(), request->repository()},
      [&]() -> absl::Status {
        RETURN_IF_ERROR(storage_->policy.CheckDelete("deleting a tag"));
        ASSIGN_OR_RETURN(RepositoryName name,
                         RepositoryName::Parse(request->repository()));
        RETURN_IF_ERROR(CheckNotMirrored(mirrors_, name, "deleting a tag"));
        ASSIGN_OR_RETURN(Tag tag, Tag::Parse(request->tag()));
        Reference reference;
        reference.tag = std::move(tag);
        RETURN_IF_ERROR(
            RecordDelete(events_, *context, *storage_, name, reference));
        return storage_->manifests.Delete(name, reference);  // Locked.
      }());
}

grpc::ServerUnaryReactor* CatalogServiceImpl::List(
    grpc::CallbackServerContext* context,
    const v1::ListRepositoriesRequest* request,
    v1::ListRepositoriesResponse* response) {
  return AnswerUnary(context, CallSubject{"listing of repositories", "", ""},
                     [&]() -> absl::Status {
                       ASSIGN_OR_RETURN(std::vector<std::string> names,
                                        ListRepositories(*storage_->driver));
                       Page page = Paginate(
                           names, PageSize(request->has_n(), request->n()),
                           request->last());
                       for (std::string& name : page.items) {
                         response->add_repositories(std::move(name));
                       }
                       response->set_more(page.more);
                       return absl::OkStatus();
                     }());
}

grpc::ServerUnaryReactor* ReferrersServiceImpl::List(
    grpc::CallbackServerContext* context,
    const v1::ListReferrersRequest* request,
    v1::ListReferrersResponse* response) {
  return AnswerUnary(
      context,
      CallSubject{"listing of referrers of", request->subject(),
                  request->repository()},
      [&]() -> absl::Status {
        ASSIGN_OR_RETURN(RepositoryName name,
                         RepositoryName::Parse(request->repository()));
        ASSIGN_OR_RETURN(Digest subject, Digest::Parse(request->subject()));
        ASSIGN_OR_RETURN(
            std::vector<Referrer> referrers,
            Mirrored(mirrors_, name)
                ? mirrors_->Referrers(name, subject, request->artifact_type())
                : storage_->manifests.Referrers(name, subject,
                                                request->artifact_type()));
        for (const Referrer& referrer : referrers) {
          v1::Descriptor* d = response->add_manifests();
          d->set_media_type(referrer.media_type);
          d->set_digest(referrer.digest.ToString());
          d->set_size(referrer.size);
          d->set_artifact_type(referrer.artifact_type);
          for (const auto& [key, value] : referrer.annotations) {
            (*d->mutable_annotations())[key] = value;
          }
        }
        response->set_filtered(!request->artifact_type().empty());
        return absl::OkStatus();
      }());
}

}  // namespace registry
