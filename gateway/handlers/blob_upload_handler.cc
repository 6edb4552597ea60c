// Blob uploads: POST /v2/<name>/blobs/uploads/ (start, monolithic with
// ?digest=, cross-repository mount with ?mount=&from=), and PATCH, PUT, GET
// and DELETE /v2/<name>/blobs/uploads/<id>. The gateway keeps no upload
// state: the id in the Location is all a later request (on any gateway)
// needs, and storaged holds the rest.
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "gateway/errors.h"
#include "gateway/gateway_metrics.h"
#include "gateway/handlers/handler_context.h"
#include "gateway/http_util.h"
#include "gateway/request_context.h"
#include "gateway/routes.h"
#include "gateway/upload_stream.h"

namespace registry::gateway {
namespace {

// Bodies up to this size are sent to storaged inside the Commit call.
constexpr int64_t kInlineBodyBytes = 256 << 10;

int64_t ContentLength(const httplib::Request& req) {
  int64_t length = -1;
  if (req.has_header("Content-Length") &&
      !absl::SimpleAtoi(req.get_header_value("Content-Length"), &length)) {
    length = -1;
  }
  return length;
}

// The response to a request that leaves an upload open.
void UploadAccepted(const std::string& name, const v1::UploadStatus& status,
                    int code, httplib::Response& response) {
  response.status = code;
  response.set_header("Location", absl::StrCat("/v2/", name, "/blobs/uploads/",
                                               status.upload_id()));
  response.set_header("Range", UploadRangeHeader(status.offset()));
  response.set_header("Docker-Upload-UUID", status.upload_id());
  response.set_header("Content-Length", "0");
}

// The response to a request that created a blob.
void BlobCreated(const std::string& name, const v1::BlobInfo& blob,
                 httplib::Response& response) {
  response.status = 201;
  response.set_header("Location",
                      absl::StrCat("/v2/", name, "/blobs/", blob.digest()));
  response.set_header("Docker-Content-Digest", blob.digest());
  response.set_header("Content-Length", "0");
}

class BlobUploadHandler {
 public:
  explicit BlobUploadHandler(const HandlerContext& ctx)
      : ctx_(ctx), storaged_(*ctx.storaged) {}

  void Post(const httplib::Request& req, httplib::Response& response,
            const httplib::ContentReader& content) {
    Respond(response, [&]() -> absl::Status {
      const std::string name = req.matches[1];
      if (req.has_param("mount") &&
          (req.has_param("from") || ctx_.mount_without_source)) {
        absl::Status mounted = Mount(req, name, response);
        if (!absl::IsNotFound(mounted)) return mounted;
        // Not mountable: fall back to a new upload, as the spec says.
      }
      v1::StartUploadRequest start;
      start.set_repository(name);
      v1::UploadStatus upload;
      RETURN_IF_ERROR(CallStoraged(storaged_, storaged_.uploads(),
                                   &v1::UploadService::Stub::Start, start,
                                   &upload));
      if (!req.has_param("digest")) {
        content([](const char*, size_t) { return true; });  // Drain.
        UploadAccepted(name, upload, 202, response);
        return absl::OkStatus();
      }
      absl::Status done = Finish(req, name, upload.upload_id(), absl::nullopt,
                                 content, response);
      if (!done.ok()) Cancel(name, upload.upload_id());
      return done;
    });
  }

  void Patch(const httplib::Request& req, httplib::Response& response,
             const httplib::ContentReader& content) {
    Respond(response, [&]() -> absl::Status {
      const std::string name = req.matches[1];
      absl::StatusOr<absl::optional<ByteRange>> range =
          ParseContentRange(req.get_header_value("Content-Range"));
      if (!range.ok()) return range.status();
      int64_t length = ContentLength(req);
      if (range->has_value() && length >= 0 && (*range)->length != length) {
        return Error(absl::StatusCode::kOutOfRange, v1::RANGE_INVALID,
                     absl::StrCat("Content-Range covers ", (*range)->length,
                                  " bytes but Content-Length is ", length));
      }
      UploadTarget target{name, req.matches[2], absl::nullopt};
      if (range->has_value()) target.offset = (*range)->offset;
      absl::StatusOr<v1::UploadStatus> status =
          StreamBodyToUpload(storaged_, target, content, length);
      if (!status.ok())
        return WithUploadRange(name, target.upload_id, status.status(),
                               response);
      UploadAccepted(name, *status, 202, response);
      return absl::OkStatus();
    });
  }

  void Put(const httplib::Request& req, httplib::Response& response,
           const httplib::ContentReader& content) {
    Respond(response, [&]() -> absl::Status {
      absl::StatusOr<absl::optional<ByteRange>> range =
          ParseContentRange(req.get_header_value("Content-Range"));
      if (!range.ok()) return range.status();
      absl::optional<int64_t> offset;
      if (range->has_value()) offset = (*range)->offset;
      return Finish(req, req.matches[1], req.matches[2], offset, content,
                    response);
    });
  }

  void Get(const httplib::Request& req, httplib::Response& response) {
    Respond(response, [&]() -> absl::Status {
      v1::UploadStatusRequest request;
      request.set_repository(req.matches[1]);
      request.set_upload_id(req.matches[2]);
      v1::UploadStatus status;
      RETURN_IF_ERROR(CallStoraged(storaged_, storaged_.uploads(),
                                   &v1::UploadService::Stub::Status, request,
                                   &status));
      UploadAccepted(request.repository(), status, 204, response);
      return absl::OkStatus();
    });
  }

  void Delete(const httplib::Request& req, httplib::Response& response) {
    Respond(response, [&]() -> absl::Status {
      v1::CancelUploadRequest request;
      request.set_repository(req.matches[1]);
      request.set_upload_id(req.matches[2]);
      v1::CancelUploadResponse reply;
      RETURN_IF_ERROR(CallStoraged(storaged_, storaged_.uploads(),
                                   &v1::UploadService::Stub::Cancel, request,
                                   &reply));
      response.status = 204;
      response.set_header("Content-Length", "0");
      return absl::OkStatus();
    });
  }

 private:
  // Mounts ?mount= from ?from= (optional); NotFound when not mountable.
  absl::Status Mount(const httplib::Request& req, const std::string& name,
                     httplib::Response& response) {
    v1::MountBlobRequest mount;
    mount.set_repository(name);
    mount.set_digest(req.get_param_value("mount"));
    mount.set_from(req.get_param_value("from"));
    v1::BlobInfo blob;
    absl::Status status =
        CallStoraged(storaged_, storaged_.blobs(),
                     &v1::BlobService::Stub::Mount, mount, &blob);
    if (status.ok()) BlobCreated(name, blob, response);
    // A malformed source name is not mountable either: start an upload.
    if (ReasonOf(status) == v1::NAME_INVALID && !mount.from().empty()) {
      return absl::NotFoundError("source repository invalid");
    }
    return status;
  }

  // Appends the body (if any) and commits with ?digest=.
  absl::Status Finish(const httplib::Request& req, const std::string& name,
                      const std::string& id, absl::optional<int64_t> offset,
                      const httplib::ContentReader& content,
                      httplib::Response& response) {
    if (!req.has_param("digest")) {
      return Error(absl::StatusCode::kInvalidArgument, v1::DIGEST_INVALID,
                   "the digest query parameter is required");
    }
    int64_t length = ContentLength(req);
    absl::optional<int64_t> committed_at = offset;
    v1::CommitUploadRequest commit;
    if (length > 0 && length <= kInlineBodyBytes) {
      // Small body: it travels inside the Commit, one call instead of two.
      std::string* body = commit.mutable_final_chunk();
      body->reserve(static_cast<size_t>(length));
      content([body](const char* data, size_t n) {
        body->append(data, n);
        return true;
      });
      if (static_cast<int64_t>(body->size()) != length) {
        return Error(absl::StatusCode::kInvalidArgument,
                     v1::BLOB_UPLOAD_INVALID,
                     absl::StrCat("request body ended after ", body->size(),
                                  " of ", length, " bytes"));
      }
    } else if (length != 0) {
      absl::StatusOr<v1::UploadStatus> written = StreamBodyToUpload(
          storaged_, UploadTarget{name, id, offset}, content, length);
      if (!written.ok()) {
        return WithUploadRange(name, id, written.status(), response);
      }
      committed_at = absl::nullopt;
    }
    commit.set_repository(name);
    commit.set_upload_id(id);
    commit.set_digest(req.get_param_value("digest"));
    if (committed_at.has_value()) commit.set_final_offset(*committed_at);
    v1::BlobInfo blob;
    RETURN_IF_ERROR(CallStoraged(storaged_, storaged_.uploads(),
                                 &v1::UploadService::Stub::Commit, commit,
                                 &blob));
    BlobCreated(name, blob, response);
    return absl::OkStatus();
  }

  // On a 416, tells the client where the upload is (spec: Location, Range).
  absl::Status WithUploadRange(const std::string& name, const std::string& id,
                               absl::Status status,
                               httplib::Response& response) {
    if (ReasonOf(status) == v1::RANGE_INVALID) {
      v1::UploadStatusRequest request;
      request.set_repository(name);
      request.set_upload_id(id);
      v1::UploadStatus upload;
      if (CallStoraged(storaged_, storaged_.uploads(),
                       &v1::UploadService::Stub::Status, request, &upload)
              .ok()) {
        response.set_header("Range", UploadRangeHeader(upload.offset()));
        response.set_header("Docker-Upload-UUID", id);
      }
    }
    return status;
  }

  void Cancel(const std::string& name, const std::string& id) {
    v1::CancelUploadRequest request;
    request.set_repository(name);
    request.set_upload_id(id);
    v1::CancelUploadResponse reply;
    // Best effort: a failed cancel leaves an upload that purging removes.
    CallStoraged(storaged_, storaged_.uploads(),
                 &v1::UploadService::Stub::Cancel, request, &reply)
        .IgnoreError();
  }

  HandlerContext ctx_;
  StoragedClient& storaged_;
};

using BodyHandler = void (BlobUploadHandler::*)(const httplib::Request&,
                                                httplib::Response&,
                                                const httplib::ContentReader&);

// A route for a request with a streamed body. A refusal authentication
// deferred (request_context.h) is answered here; the body is drained when
// the handler did not read it (refusals and errors answered early), so that
// its bytes are not read as the next request on a kept-alive connection.
httplib::Server::HandlerWithContentReader BodyRoute(
    std::shared_ptr<BlobUploadHandler> handler, BodyHandler serve) {
  return [handler, serve](const httplib::Request& req, httplib::Response& res,
                          const httplib::ContentReader& content) {
    bool read = false;
    httplib::ContentReader tracked(
        [&](httplib::ContentReceiver receiver) {
          read = true;
          return content(std::move(receiver));
        },
        [&](httplib::MultipartContentHeader header,
            httplib::ContentReceiver receiver) {
          read = true;
          return content(std::move(header), std::move(receiver));
        });
    absl::Status refusal = CurrentRequest().refusal;
    if (!refusal.ok()) {
      WriteOciError(refusal, res);
    } else {
      UploadInFlight in_flight;
      ((*handler).*serve)(req, res, tracked);
    }
    if (!read) content([](const char*, size_t) { return true; });
  };
}

}  // namespace

void RegisterBlobUploadRoutes(httplib::Server& server,
                              const HandlerContext& ctx) {
  auto h = std::make_shared<BlobUploadHandler>(ctx);
  server.Post(routes::kUploads, BodyRoute(h, &BlobUploadHandler::Post));
  server.Patch(routes::kUpload, BodyRoute(h, &BlobUploadHandler::Patch));
  server.Put(routes::kUpload, BodyRoute(h, &BlobUploadHandler::Put));
  server.Get(routes::kUpload,
             [h](const httplib::Request& req, httplib::Response& res) {
               h->Get(req, res);
             });
  server.Delete(routes::kUpload,
                [h](const httplib::Request& req, httplib::Response& res) {
                  h->Delete(req, res);
                });
}

}  // namespace registry::gateway
