#include "gateway/upload_stream.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/grpc_status.h"

namespace registry::gateway {
namespace {

// Bytes per gRPC message: large enough to amortise per-message costs,
// small enough to bound memory per transfer.
constexpr size_t kChunkBytes = 256 << 10;

}  // namespace

absl::StatusOr<v1::UploadStatus> StreamBodyToUpload(
    StoragedClient& storaged, const UploadTarget& target,
    const httplib::ContentReader& content, int64_t content_length) {
  std::unique_ptr<grpc::ClientContext> context = storaged.StreamContext();
  v1::UploadStatus status;
  auto writer = storaged.uploads().Write(context.get(), &status);
  v1::WriteUploadRequest message;
  message.set_repository(target.repository);
  message.set_upload_id(target.upload_id);
  if (target.offset.has_value()) message.set_offset(*target.offset);
  bool stream_open = true;
  int64_t received = 0;
  auto flush = [&] {
    stream_open = writer->Write(message);
    message.Clear();
    message.mutable_data()->reserve(kChunkBytes);
    return stream_open;
  };
  // The first message goes out at once, so that storaged refuses a wrong
  // offset or an unknown upload before it would receive any data. Once the
  // stream is closed the rest of the body is still read (and dropped): its
  // bytes must not be taken for the next request on the connection.
  flush();
  bool body_complete = content([&](const char* data, size_t length) {
    received += static_cast<int64_t>(length);
    while (stream_open && length > 0) {
      size_t room = kChunkBytes - message.data().size();
      size_t take = std::min(room, length);
      message.mutable_data()->append(data, take);
      data += take;
      length -= take;
      if (message.data().size() == kChunkBytes) flush();
    }
    return true;
  });
  if (stream_open && !message.data().empty()) flush();
  writer->WritesDone();
  absl::Status finished = FromGrpcStatus(writer->Finish());
  if (!finished.ok()) return finished;
  if (!body_complete || (content_length >= 0 && received != content_length)) {
    return Error(
        absl::StatusCode::kInvalidArgument, v1::BLOB_UPLOAD_INVALID,
        absl::StrCat("request body ended after ", received, " of ",
                     content_length, " bytes; the upload is kept at offset ",
                     status.offset()));
  }
  return status;
}

}  // namespace registry::gateway
