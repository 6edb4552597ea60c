// The listings: GET /v2/<name>/tags/list, GET /v2/_catalog (both with n,
// last and a Link header to the next page) and GET
// /v2/<name>/referrers/<digest> (an OCI index, filtered by artifactType).
#include <memory>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "gateway/handlers/handler_context.h"
#include "gateway/http_util.h"
#include "gateway/routes.h"

namespace registry::gateway {
namespace {

using Json = nlohmann::json;

std::string Dump(const Json& json) {
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Sets n/last on a listing request from the query.
template <typename Request>
absl::Status ApplyPaging(const httplib::Request& req, Request* request) {
  ASSIGN_OR_RETURN(absl::optional<int> n, PageSizeParam(req));
  if (n.has_value()) request->set_n(*n);
  request->set_last(req.get_param_value("last"));
  return absl::OkStatus();
}

// RFC 5988 Link to the page after `last`.
void SetNextLink(const std::string& path, const httplib::Request& req,
                 const std::string& last, httplib::Response& response) {
  std::string query = absl::StrCat("last=", QueryEscape(last));
  if (req.has_param("n"))
    absl::StrAppend(&query, "&n=", req.get_param_value("n"));
  response.set_header("Link",
                      absl::StrCat("<", path, "?", query, ">; rel=\"next\""));
}

class ListingHandler {
 public:
  explicit ListingHandler(const HandlerContext& ctx)
      : storaged_(*ctx.storaged) {}

  void Tags(const httplib::Request& req, httplib::Response& response) {
    Respond(response, [&]() -> absl::Status {
      v1::ListTagsRequest request;
      request.set_repository(req.matches[1]);
      RETURN_IF_ERROR(ApplyPaging(req, &request));
      v1::ListTagsResponse reply;
      RETURN_IF_ERROR(CallStoraged(storaged_, storaged_.tags(),
                                   &v1::TagService::Stub::List, request,
                                   &reply));
      Json tags = Json::array();
      for (const std::string& tag : reply.tags()) tags.push_back(tag);
      if (reply.more() && reply.tags_size() > 0) {
        SetNextLink(absl::StrCat("/v2/", request.repository(), "/tags/list"),
                    req, reply.tags(reply.tags_size() - 1), response);
      }
      response.set_content(
          Dump(Json{{"name", request.repository()}, {"tags", tags}}),
          "application/json");
      return absl::OkStatus();
    });
  }

  void Catalog(const httplib::Request& req, httplib::Response& response) {
    Respond(response, [&]() -> absl::Status {
      v1::ListRepositoriesRequest request;
      RETURN_IF_ERROR(ApplyPaging(req, &request));
      v1::ListRepositoriesResponse reply;
      RETURN_IF_ERROR(CallStoraged(storaged_, storaged_.catalog(),
                                   &v1::CatalogService::Stub::List, request,
                                   &reply));
      Json names = Json::array();
      for (const std::string& name : reply.repositories())
        names.push_back(name);
      if (reply.more() && reply.repositories_size() > 0) {
        SetNextLink("/v2/_catalog", req,
                    reply.repositories(reply.repositories_size() - 1),
                    response);
      }
      response.set_content(Dump(Json{{"repositories", names}}),
                           "application/json");
      return absl::OkStatus();
    });
  }

  void Referrers(const httplib::Request& req, httplib::Response& response) {
    Respond(response, [&]() -> absl::Status {
      v1::ListReferrersRequest request;
      request.set_repository(req.matches[1]);
      request.set_subject(req.matches[2]);
      request.set_artifact_type(req.get_param_value("artifactType"));
      v1::ListReferrersResponse reply;
      RETURN_IF_ERROR(CallStoraged(storaged_, storaged_.referrers(),
                                   &v1::ReferrersService::Stub::List, request,
                                   &reply));
      Json manifests = Json::array();
      for (const v1::Descriptor& d : reply.manifests()) {
        Json entry = {{"mediaType", d.media_type()},
                      {"digest", d.digest()},
                      {"size", d.size()}};
        if (!d.artifact_type().empty())
          entry["artifactType"] = d.artifact_type();
        if (!d.annotations().empty()) {
          Json annotations = Json::object();
          for (const auto& [key, value] : d.annotations()) {
            annotations[key] = value;
          }
          entry["annotations"] = annotations;
        }
        manifests.push_back(entry);
      }
      if (reply.filtered()) {
        response.set_header("OCI-Filters-Applied", "artifactType");
      }
      response.set_content(
          Dump(Json{{"schemaVersion", 2},
                    {"mediaType", "application/vnd.oci.image.index.v1+json"},
                    {"manifests", manifests}}),
          "application/vnd.oci.image.index.v1+json");
      return absl::OkStatus();
    });
  }

 private:
  StoragedClient& storaged_;
};

}  // namespace

void RegisterListingRoutes(httplib::Server& server, const HandlerContext& ctx) {
  auto h = std::make_shared<ListingHandler>(ctx);
  server.Get(routes::kCatalog,
             [h](const httplib::Request& req, httplib::Response& res) {
               h->Catalog(req, res);
             });
  server.Get(routes::kTags, [h](const httplib::Request& req,
                                httplib::Response& res) { h->Tags(req, res); });
  server.Get(routes::kReferrers,
             [h](const httplib::Request& req, httplib::Response& res) {
               h->Referrers(req, res);
             });
}

}  // namespace registry::gateway
