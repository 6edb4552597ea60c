// GET, HEAD, PUT and DELETE /v2/<name>/manifests/<reference>.
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "gateway/handlers/handler_context.h"
#include "gateway/http_util.h"
#include "gateway/routes.h"

namespace registry::gateway {
namespace {

class ManifestHandler {
 public:
  explicit ManifestHandler(const HandlerContext& ctx)
      : ctx_(ctx), storaged_(*ctx.storaged) {}

  void Get(const httplib::Request& req, httplib::Response& response) {
    Respond(response, [&]() -> absl::Status {
      v1::GetManifestRequest request;
      request.set_repository(req.matches[1]);
      request.set_reference(req.matches[2]);
      for (std::string& type : HeaderList(req, "Accept")) {
        request.add_accept(std::move(type));
      }
      v1::Manifest manifest;
      RETURN_IF_ERROR(CallStoraged(storaged_, storaged_.manifests(),
                                   &v1::ManifestService::Stub::Get, request,
                                   &manifest));
      response.set_header("Docker-Content-Digest", manifest.digest());
      response.set_header("ETag", absl::StrCat("\"", manifest.digest(), "\""));
      if (req.method == "HEAD") {
        response.set_content_provider(
            manifest.content().size(), manifest.media_type(),
            [](size_t, size_t, httplib::DataSink&) { return false; });
      } else {
        response.set_content(std::move(*manifest.mutable_content()),
                             manifest.media_type());
      }
      return absl::OkStatus();
    });
  }

  void Put(const httplib::Request& req, httplib::Response& response,
           const httplib::ContentReader& content) {
    Respond(response, [&]() -> absl::Status {
      v1::PutManifestRequest request;
      request.set_repository(req.matches[1]);
      request.set_reference(req.matches[2]);
      request.set_media_type(req.get_header_value("Content-Type"));
      const int64_t limit = ctx_.options.max_manifest_bytes;
      std::string* body = request.mutable_content();
      bool too_large = false;
      content([&](const char* data, size_t length) {
        if (static_cast<int64_t>(body->size() + length) > limit) {
          too_large = true;
          return false;
        }
        body->append(data, length);
        return true;
      });
      if (too_large) {
        return Error(
            absl::StatusCode::kResourceExhausted, v1::TOO_LARGE,
            absl::StrCat("manifest exceeds the limit of ", limit, " bytes"),
            absl::StrCat(limit));
      }
      v1::PutManifestResponse reply;
      RETURN_IF_ERROR(CallStoraged(storaged_, storaged_.manifests(),
                                   &v1::ManifestService::Stub::Put, request,
                                   &reply));
      // OCI 1.1.1: PUT by digest may name tags with ?tag=; each is a Put of
      // the same (now stored) bytes by tag.
      size_t extra_tags = req.get_param_value_count("tag");
      for (size_t i = 0; i < extra_tags; ++i) {
        request.set_reference(req.get_param_value("tag", i));
        v1::PutManifestResponse tagged;
        RETURN_IF_ERROR(CallStoraged(storaged_, storaged_.manifests(),
                                     &v1::ManifestService::Stub::Put, request,
                                     &tagged));
        response.set_header("OCI-Tag", request.reference());
      }
      response.status = 201;
      response.set_header(
          "Location", absl::StrCat("/v2/", request.repository(), "/manifests/",
                                   reply.digest()));
      response.set_header("Docker-Content-Digest", reply.digest());
      if (!reply.subject().empty()) {
        response.set_header("OCI-Subject", reply.subject());
      }
      response.set_header("Content-Length", "0");
      return absl::OkStatus();
    });
  }

  void Delete(const httplib::Request& req, httplib::Response& response) {
    Respond(response, [&]() -> absl::Status {
      v1::DeleteManifestRequest request;
      request.set_repository(req.matches[1]);
      request.set_reference(req.matches[2]);
      v1::DeleteManifestResponse reply;
      RETURN_IF_ERROR(CallStoraged(storaged_, storaged_.manifests(),
                                   &v1::ManifestService::Stub::Delete, request,
                                   &reply));
      response.status = 202;
      response.set_header("Content-Length", "0");
      return absl::OkStatus();
    });
  }

 private:
  HandlerContext ctx_;
  StoragedClient& storaged_;
};

}  // namespace

void RegisterManifestRoutes(httplib::Server& server,
                            const HandlerContext& ctx) {
  auto h = std::make_shared<ManifestHandler>(ctx);
  server.Get(routes::kManifest,
             [h](const httplib::Request& req, httplib::Response& res) {
               h->Get(req, res);
             });
  server.Put(routes::kManifest,
             [h](const httplib::Request& req, httplib::Response& res,
                 const httplib::ContentReader& content) {
               h->Put(req, res, content);
             });
  server.Delete(routes::kManifest,
                [h](const httplib::Request& req, httplib::Response& res) {
                  h->Delete(req, res);
                });
}

}  // namespace registry::gateway
