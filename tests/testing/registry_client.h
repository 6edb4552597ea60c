// Small synchronous helpers over storaged's gRPC API for tests.
#ifndef REGISTRY_TESTS_TESTING_REGISTRY_CLIENT_H_
#define REGISTRY_TESTS_TESTING_REGISTRY_CLIENT_H_

#include <grpcpp/channel.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "proto/blob.grpc.pb.h"
#include "proto/upload.grpc.pb.h"

namespace registry::testing {

// Produces the next chunk to send, or "" when done.
using ChunkSource = std::function<std::string()>;

// Streams one Write call to an upload from `offset`; returns the status
// storaged reports.
absl::StatusOr<v1::UploadStatus> WriteChunks(grpc::Channel& channel,
                                             const std::string& repository,
                                             const std::string& upload_id,
                                             int64_t offset,
                                             const ChunkSource& source);

// Starts an upload; returns its id.
absl::StatusOr<std::string> StartUpload(grpc::Channel& channel,
                                        const std::string& repository);

// The upload's status (offset).
absl::StatusOr<v1::UploadStatus> UploadStatusOf(grpc::Channel& channel,
                                                const std::string& repository,
                                                const std::string& upload_id);

// Commits an upload with an optional final chunk (at `final_offset` when
// >= 0).
absl::StatusOr<v1::BlobInfo> CommitUpload(grpc::Channel& channel,
                                          const std::string& repository,
                                          const std::string& upload_id,
                                          const std::string& digest,
                                          const std::string& final_chunk = "",
                                          int64_t final_offset = -1);

// Start + one Write + Commit of `content`; returns the committed blob.
absl::StatusOr<v1::BlobInfo> UploadBlob(grpc::Channel& channel,
                                        const std::string& repository,
                                        const std::string& content);

// The whole blob (or `length` bytes from `offset`) via Read.
absl::StatusOr<std::string> ReadBlob(grpc::Channel& channel,
                                     const std::string& repository,
                                     const std::string& digest,
                                     int64_t offset = 0, int64_t length = 0);

}  // namespace registry::testing

#endif  // REGISTRY_TESTS_TESTING_REGISTRY_CLIENT_H_
