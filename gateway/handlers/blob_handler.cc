// GET, HEAD and DELETE /v2/<name>/blobs/<digest>. GET streams the blob from
// storaged with bounded memory, honouring a single Range, or redirects (307)
// to a storage URL when storaged offers one. With the blob cache on, GET
// bytes come from local disk after storaged's Stat says the repository
// links the blob (cache/blob_cache.h).
#include <algorithm>
#include <functional>
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "common/log.h"
#include "gateway/handlers/handler_context.h"
#include "gateway/http_util.h"
#include "gateway/routes.h"

namespace registry::gateway {
namespace {

// One blob download in flight: the gRPC stream and the message being sent.
struct BlobDownload {
  std::unique_ptr<grpc::ClientContext> context;
  std::unique_ptr<grpc::ClientReader<v1::ReadBlobResponse>> reader;
  v1::ReadBlobResponse message;
  size_t position = 0;
};

// Bytes a cached blob's response reads and sends at a time.
constexpr size_t kCachedChunk = 512 << 10;

void SetBlobHeaders(const v1::BlobInfo& info, httplib::Response& response) {
  response.set_header("Docker-Content-Digest", info.digest());
  response.set_header("ETag", absl::StrCat("\"", info.digest(), "\""));
  response.set_header("Accept-Ranges", "bytes");
  response.set_header("Cache-Control", "max-age=31536000");
}

class BlobHandler {
 public:
  explicit BlobHandler(const HandlerContext& ctx) : ctx_(ctx) {}

  void Get(const httplib::Request& req, httplib::Response& response) {
    Respond(response, [&] { return Serve(req, response); });
  }

  void Delete(const httplib::Request& req, httplib::Response& response) {
    Respond(response, [&]() -> absl::Status {
      v1::DeleteBlobRequest request;
      request.set_repository(req.matches[1]);
      request.set_digest(req.matches[2]);
      v1::DeleteBlobResponse reply;
      absl::Status status =
          CallStoraged(*ctx_.storaged, ctx_.storaged->blobs(),
                       &v1::BlobService::Stub::Delete, request, &reply);
      if (status.ok()) response.status = 202;
      return status;
    });
  }

 private:
  absl::Status Serve(const httplib::Request& req, httplib::Response& response) {
    // cpp-httplib would apply the parsed Range again to whatever we answer
    // (and does not clamp an end past the blob); the range is ours alone.
    const_cast<httplib::Request&>(req).ranges.clear();
    v1::StatBlobRequest stat;
    stat.set_repository(req.matches[1]);
    stat.set_digest(req.matches[2]);
    // GETs may be sent to the storage backend, unless the bytes are to
    // come from the cache; HEADs stay here.
    stat.set_want_url(req.method == "GET" && ctx_.blob_cache == nullptr);
    v1::BlobInfo info;
    absl::Status status =
        CallStoraged(*ctx_.storaged, ctx_.storaged->blobs(),
                     &v1::BlobService::Stub::Stat, stat, &info);
    if (!status.ok()) return status;
    if (!info.url().empty()) {
      // As Distribution with redirects: the client GETs (with its Range)
      // from the URL, which is valid for a limited time.
      response.status = 307;
      response.set_header("Location", info.url());
      response.set_header("Docker-Content-Digest", info.digest());
      return absl::OkStatus();
    }
    absl::StatusOr<absl::optional<ByteRange>> range =
        ParseRange(req.get_header_value("Range"), info.size());
    if (!range.ok()) {
      response.set_header("Content-Range",
                          absl::StrCat("bytes */", info.size()));
      return range.status();
    }
    SetBlobHeaders(info, response);
    ByteRange span{0, info.size()};
    if (range->has_value()) {
      span = **range;
      response.status = 206;
      response.set_header(
          "Content-Range",
          absl::StrCat("bytes ", span.offset, "-",
                       span.offset + span.length - 1, "/", info.size()));
    }
    if (req.method == "HEAD" || span.length == 0) {
      // No body: the provider is never called, but sets Content-Length.
      response.set_content_provider(
          static_cast<size_t>(span.length), "application/octet-stream",
          [](size_t, size_t, httplib::DataSink&) { return false; });
      return absl::OkStatus();
    }
    if (ctx_.blob_cache != nullptr &&
        ServeCached(info, *stat.mutable_repository(), range->has_value(), span,
                    response)) {
      return absl::OkStatus();
    }
    auto download = std::make_shared<BlobDownload>();
    download->context = ctx_.storaged->StreamContext();
    v1::ReadBlobRequest read;
    read.set_repository(stat.repository());
    read.set_digest(stat.digest());
    read.set_offset(span.offset);
    read.set_length(span.length);
    download->reader =
        ctx_.storaged->blobs().Read(download->context.get(), read);
    // Read the first message now so that an error still becomes a response.
    if (!download->reader->Read(&download->message)) {
      absl::Status failed = FromGrpcStatus(download->reader->Finish());
      return failed.ok() ? absl::DataLossError("blob stream ended early")
                         : failed;
    }
    response.set_content_provider(
        static_cast<size_t>(span.length), "application/octet-stream",
        [download](size_t, size_t, httplib::DataSink& sink) {
          const std::string& data = download->message.data();
          if (download->position == data.size()) {
            if (!download->reader->Read(&download->message)) return false;
            download->position = 0;
          }
          const std::string& next = download->message.data();
          size_t n = next.size() - download->position;
          bool ok = sink.write(next.data() + download->position, n);
          download->position += n;
          return ok;
        });
    return absl::OkStatus();
  }

  // Serves `span` of the blob from the cache, filling it first for a whole
  // GET; false (the caller streams from storaged) when the cache cannot.
  bool ServeCached(const v1::BlobInfo& info, const std::string& repository,
                   bool ranged, const ByteRange& span,
                   httplib::Response& response) {
    // A Range request does not wait for a whole fill: hits only.
    absl::StatusOr<std::shared_ptr<CachedBlob>> cached =
        ranged ? ctx_.blob_cache->Find(info.digest())
               : ctx_.blob_cache->Get(info.digest(), info.size(),
                                      [&](const auto& write) {
                                        return Fetch(info, repository, write);
                                      });
    if (!cached.ok()) return false;
    auto buffer = std::make_shared<std::string>(kCachedChunk, '\0');
    response.set_content_provider(
        static_cast<size_t>(span.length), "application/octet-stream",
        [blob = *std::move(cached), buffer, start = span.offset](
            size_t offset, size_t length, httplib::DataSink& sink) {
          absl::StatusOr<size_t> n =
              blob->Read(start + static_cast<int64_t>(offset), buffer->data(),
                         std::min(length, buffer->size()));
          if (!n.ok() || *n == 0) {
            Log(LogLevel::kWarn, "blob_cache",
                absl::StrCat("cached blob ended early: ",
                             n.ok() ? "end of file" : n.status().ToString()));
            return false;
          }
          return sink.write(buffer->data(), *n);
        });
    return true;
  }

  // Streams the whole blob from storaged into `write` (a cache fill).
  absl::Status Fetch(const v1::BlobInfo& info, const std::string& repository,
                     const std::function<bool(absl::string_view)>& write) {
    std::unique_ptr<grpc::ClientContext> context =
        ctx_.storaged->StreamContext();
    v1::ReadBlobRequest read;
    read.set_repository(repository);
    read.set_digest(info.digest());
    read.set_length(info.size());
    auto reader = ctx_.storaged->blobs().Read(context.get(), read);
    v1::ReadBlobResponse message;
    while (reader->Read(&message)) {
      if (!write(message.data())) {
        context->TryCancel();
        break;
      }
    }
    return FromGrpcStatus(reader->Finish());
  }

  HandlerContext ctx_;
};

}  // namespace

void RegisterBlobRoutes(httplib::Server& server, const HandlerContext& ctx) {
  auto handler = std::make_shared<BlobHandler>(ctx);
  server.Get(routes::kBlob,
             [handler](const httplib::Request& req, httplib::Response& res) {
               handler->Get(req, res);
             });
  server.Delete(routes::kBlob,
                [handler](const httplib::Request& req, httplib::Response& res) {
                  handler->Delete(req, res);
                });
}

}  // namespace registry::gateway
