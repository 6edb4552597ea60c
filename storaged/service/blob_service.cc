#include "storaged/service/blob_service.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "common/status_macros.h"
#include "storaged/service/answer.h"
#include "storaged/service/mirrors.h"
#include "storaged/service/recording.h"

namespace registry {
namespace {

constexpr size_t kReadChunk = 256 << 10;
// How long a redirect URL stays valid (as Distribution's S3 driver).
constexpr absl::Duration kRedirectValidity = absl::Minutes(20);

void Fill(const BlobDescriptor& blob, v1::BlobInfo* info) {
  info->set_digest(blob.digest.ToString());
  info->set_size(blob.size);
}

}  // namespace

grpc::ServerUnaryReactor* BlobServiceImpl::Stat(
    grpc::CallbackServerContext* context, const v1::StatBlobRequest* request,
    v1::BlobInfo* response) {
  // A HEAD, or a GET answered with a redirect, is a pull (as Distribution
  // counts them); a GET read through Read is that call's pull.
  absl::optional<events::Target> pulled;
  absl::Status status = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(RepositoryName name,
                     RepositoryName::Parse(request->repository()));
    ASSIGN_OR_RETURN(Digest digest, Digest::Parse(request->digest()));
    // A HEAD (no URL wanted) often leads to a manifest naming the blob
    // without uploading it: it claims the blob (makes it young).
    const bool mirrored = Mirrored(mirrors_, name);
    ASSIGN_OR_RETURN(BlobDescriptor blob,
                     mirrored ? mirrors_->StatBlob(name, digest)
                     : request->want_url()
                         ? storage_->blobs.Stat(name, digest)
                         : storage_->blobs.StatAndTouch(name, digest));
    Fill(blob, response);
    if (request->want_url() && redirect_ && !mirrored) {
      absl::StatusOr<std::string> url =
          storage_->blobs.URLFor(digest, absl::Now() + kRedirectValidity);
      if (url.ok()) {
        response->set_url(*std::move(url));
      } else if (!absl::IsUnimplemented(url.status())) {
        return url.status();
      }
    }
    if (!request->want_url() || !response->url().empty()) {
      pulled = BlobTarget(name, digest, blob.size);
    }
    return absl::OkStatus();
  }();
  return AnswerUnaryRecorded(
      context,
      CallSubject{"stat of blob", request->digest(), request->repository()},
      std::move(status), pulled.has_value() ? events_ : nullptr, "pull",
      [&] { return *pulled; });
}

grpc::Status BlobServiceImpl::Read(
    grpc::ServerContext* context, const v1::ReadBlobRequest* request,
    grpc::ServerWriter<v1::ReadBlobResponse>* writer) {
  return Answer(
      CallSubject{"read of blob", request->digest(), request->repository()},
      [&]() -> absl::Status {
        ASSIGN_OR_RETURN(RepositoryName name,
                         RepositoryName::Parse(request->repository()));
        ASSIGN_OR_RETURN(Digest digest, Digest::Parse(request->digest()));
        // A mirrored blob may be read as it arrives from the upstream.
        auto stored = [&]() -> absl::StatusOr<proxy::BlobForRead> {
          ASSIGN_OR_RETURN(BlobDescriptor blob,
                           storage_->blobs.Stat(name, digest));
          return proxy::BlobForRead{blob, nullptr};
        };
        ASSIGN_OR_RETURN(proxy::BlobForRead source,
                         Mirrored(mirrors_, name)
                             ? mirrors_->ReadBlob(name, digest)
                             : stored());
        const BlobDescriptor& blob = source.blob;
        int64_t offset = request->offset();
        int64_t length = request->length();
        if (offset < 0 || length < 0 || offset > blob.size ||
            (length > 0 && length > blob.size - offset)) {  // No overflow.
          return Error(absl::StatusCode::kOutOfRange, v1::RANGE_INVALID,
                       absl::StrCat("range ", offset, "+", length,
                                    " outside blob of ", blob.size, " bytes"),
                       absl::StrCat(blob.size));
        }
        RETURN_IF_ERROR(
            Recorded(events_, *context, absl::OkStatus(), "pull",
                     [&] { return BlobTarget(name, digest, blob.size); }));
        int64_t remaining = length > 0 ? length : blob.size - offset;
        drivers::FileReaderPtr reader;
        if (source.fetch != nullptr) {
          reader = source.fetch->Reader(offset);
        } else {
          ASSIGN_OR_RETURN(reader, storage_->blobs.Open(name, digest, offset));
        }
        v1::ReadBlobResponse message;
        Fill(blob, message.mutable_info());
        std::string* data = message.mutable_data();
        do {
          size_t want = static_cast<size_t>(
              std::min<int64_t>(remaining, static_cast<int64_t>(kReadChunk)));
          data->resize(want);
          size_t got = 0;
          while (got < want) {
            ASSIGN_OR_RETURN(size_t n,
                             reader->Read(data->data() + got, want - got));
            if (n == 0)
              return absl::DataLossError("blob shorter than its size");
            got += n;
          }
          remaining -= static_cast<int64_t>(got);
          if (context->IsCancelled() || !writer->Write(message)) {
            return absl::CancelledError("client went away");
          }
          message.clear_info();
        } while (remaining > 0);
        return absl::OkStatus();
      }());
}

grpc::Status BlobServiceImpl::Delete(grpc::ServerContext*,
                                     const v1::DeleteBlobRequest* request,
                                     v1::DeleteBlobResponse*) {
  return Answer(
      CallSubject{"delete of blob", request->digest(), request->repository()},
      [&]() -> absl::Status {
        RETURN_IF_ERROR(storage_->policy.CheckDelete("deleting a blob"));
        ASSIGN_OR_RETURN(RepositoryName name,
                         RepositoryName::Parse(request->repository()));
        RETURN_IF_ERROR(CheckNotMirrored(mirrors_, name, "deleting a blob"));
        ASSIGN_OR_RETURN(Digest digest, Digest::Parse(request->digest()));
        return storage_->blobs.Unlink(name, digest);
      }());
}

grpc::Status BlobServiceImpl::Mount(grpc::ServerContext* context,
                                    const v1::MountBlobRequest* request,
                                    v1::BlobInfo* response) {
  return Answer(
      CallSubject{"mount of blob", request->digest(), request->repository()},
      [&]() -> absl::Status {
        RETURN_IF_ERROR(storage_->policy.CheckWrite("mounting a blob"));
        ASSIGN_OR_RETURN(RepositoryName name,
                         RepositoryName::Parse(request->repository()));
        RETURN_IF_ERROR(CheckNotMirrored(mirrors_, name, "mounting a blob"));
        ASSIGN_OR_RETURN(Digest digest, Digest::Parse(request->digest()));
        absl::optional<RepositoryName> from;
        if (!request->from().empty()) {
          ASSIGN_OR_RETURN(from, RepositoryName::Parse(request->from()));
        }
        ASSIGN_OR_RETURN(BlobDescriptor blob,
                         storage_->blobs.Mount(name, digest, from));
        Fill(blob, response);
        return Recorded(events_, *context, absl::OkStatus(), "mount", [&] {
          events::Target target = BlobTarget(name, digest, blob.size);
          if (from.has_value()) target.from_repository = from->str();
          return target;
        });
      }());
}

}  // namespace registry
