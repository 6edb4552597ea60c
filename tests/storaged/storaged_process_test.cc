// End-to-end tests of the storaged binary over real gRPC channels: every RPC,
// error reasons on the wire, a 1 GiB upload with bounded memory, an upload
// resumed on a second process after SIGKILL, concurrent commits from two
// processes on one root, health, and a clean SIGTERM stop.
#include "tests/testing/storaged_process.h"

#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/digest.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "common/process_stats.h"
#include "common/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/blob.grpc.pb.h"
#include "proto/catalog.grpc.pb.h"
#include "proto/health.grpc.pb.h"
#include "proto/manifest.grpc.pb.h"
#include "proto/referrers.grpc.pb.h"
#include "proto/tag.grpc.pb.h"
#include "proto/upload.grpc.pb.h"
#include "tests/testing/reason_matchers.h"
#include "tests/testing/registry_client.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_data.h"

namespace registry::testing {
namespace {

using ::testing::ElementsAre;

constexpr char kConfigType[] = "application/vnd.oci.image.config.v1+json";
constexpr char kOciManifestType[] =
    "application/vnd.oci.image.manifest.v1+json";

// Calls a unary RPC and converts its status.
template <typename Stub, typename Request, typename Response>
absl::Status Call(Stub* stub,
                  grpc::Status (Stub::*method)(grpc::ClientContext*,
                                               const Request&, Response*),
                  const Request& request, Response* response) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(60));
  return FromGrpcStatus((stub->*method)(&context, request, response));
}

std::string Manifest(const v1::BlobInfo& config, const v1::BlobInfo& layer,
                     const std::string& extra = "") {
  return absl::StrCat(
      R"({"schemaVersion":2,"mediaType":")", kOciManifestType,
      R"(","config":{"mediaType":")", kConfigType, R"(","digest":")",
      config.digest(), R"(","size":)", config.size(),
      R"(},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":")",
      layer.digest(), R"(","size":)", layer.size(), "}]", extra, "}");
}

class StoragedProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = NewTempDir("root");
    absl::StatusOr<StoragedProcess> storaged = StartStoraged(root_);
    ASSERT_OK(storaged);
    storaged_ = *std::move(storaged);
    blobs_ = v1::BlobService::NewStub(storaged_.channel);
    uploads_ = v1::UploadService::NewStub(storaged_.channel);
    manifests_ = v1::ManifestService::NewStub(storaged_.channel);
    tags_ = v1::TagService::NewStub(storaged_.channel);
  }

  v1::UploadStatus StartUpload(const std::string& repo) {
    v1::StartUploadRequest request;
    request.set_repository(repo);
    v1::UploadStatus status;
    EXPECT_OK(Call(uploads_.get(), &v1::UploadService::Stub::Start, request,
                   &status));
    return status;
  }

  std::string root_;
  StoragedProcess storaged_;
  std::unique_ptr<v1::BlobService::Stub> blobs_;
  std::unique_ptr<v1::UploadService::Stub> uploads_;
  std::unique_ptr<v1::ManifestService::Stub> manifests_;
  std::unique_ptr<v1::TagService::Stub> tags_;
};

TEST_F(StoragedProcessTest, ReportsServingHealth) {
  auto health = grpc::health::v1::Health::NewStub(storaged_.channel);
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_OK(Call(health.get(), &grpc::health::v1::Health::Stub::Check, request,
                 &response));
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(StoragedProcessTest, ASecondProcessCannotTakeTheSamePort) {
  absl::StatusOr<std::string> second = RunCommand(
      {RunfilePath("storaged/storaged"), "--listen=" + storaged_.address,
       "--root=" + NewTempDir("other")},
      absl::Seconds(20));
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(std::string(second.status().message()),
              ::testing::HasSubstr("cannot listen on " + storaged_.address));
}

TEST_F(StoragedProcessTest, EveryRpcOverARealChannel) {
  const std::string repo = "e2e/app";
  // Uploads: Start, Write in two streams, Status, Commit with a final chunk.
  v1::UploadStatus upload = StartUpload(repo);
  ASSERT_FALSE(upload.upload_id().empty());
  ASSERT_OK(WriteChunks(*storaged_.channel, repo, upload.upload_id(), 0,
                        [n = 0]() mutable { return n++ ? "" : "layer-"; }));
  ASSERT_OK(WriteChunks(*storaged_.channel, repo, upload.upload_id(), 6,
                        [n = 0]() mutable { return n++ ? "" : "bytes-"; }));
  v1::UploadStatusRequest status_request;
  status_request.set_repository(repo);
  status_request.set_upload_id(upload.upload_id());
  v1::UploadStatus status;
  ASSERT_OK(Call(uploads_.get(), &v1::UploadService::Stub::Status,
                 status_request, &status));
  EXPECT_EQ(status.offset(), 12);
  v1::CommitUploadRequest commit;
  commit.set_repository(repo);
  commit.set_upload_id(upload.upload_id());
  commit.set_digest(DigestOf("layer-bytes-end").ToString());
  commit.set_final_chunk("end");
  commit.set_final_offset(12);
  v1::BlobInfo layer;
  ASSERT_OK(
      Call(uploads_.get(), &v1::UploadService::Stub::Commit, commit, &layer));
  EXPECT_EQ(layer.size(), 15);

  // Cancel.
  v1::UploadStatus doomed = StartUpload(repo);
  v1::CancelUploadRequest cancel;
  cancel.set_repository(repo);
  cancel.set_upload_id(doomed.upload_id());
  v1::CancelUploadResponse cancelled;
  ASSERT_OK(Call(uploads_.get(), &v1::UploadService::Stub::Cancel, cancel,
                 &cancelled));
  status_request.set_upload_id(doomed.upload_id());
  EXPECT_THAT(Call(uploads_.get(), &v1::UploadService::Stub::Status,
                   status_request, &status),
              HasReason(v1::BLOB_UPLOAD_UNKNOWN));

  // Blobs: Stat, Read with ranges, Mount, Delete.
  v1::StatBlobRequest stat;
  stat.set_repository(repo);
  stat.set_digest(layer.digest());
  v1::BlobInfo info;
  ASSERT_OK(Call(blobs_.get(), &v1::BlobService::Stub::Stat, stat, &info));
  EXPECT_EQ(info.size(), 15);
  EXPECT_EQ(*ReadBlob(*storaged_.channel, repo, layer.digest()),
            "layer-bytes-end");
  EXPECT_EQ(*ReadBlob(*storaged_.channel, repo, layer.digest(), 6, 5), "bytes");
  EXPECT_EQ(*ReadBlob(*storaged_.channel, repo, layer.digest(), 12), "end");
  EXPECT_THAT(ReadBlob(*storaged_.channel, repo, layer.digest(), 10, 6),
              HasReason(v1::RANGE_INVALID));
  v1::MountBlobRequest mount;
  mount.set_repository("e2e/mounted");
  mount.set_digest(layer.digest());
  mount.set_from(repo);
  ASSERT_OK(Call(blobs_.get(), &v1::BlobService::Stub::Mount, mount, &info));
  EXPECT_EQ(*ReadBlob(*storaged_.channel, "e2e/mounted", layer.digest()),
            "layer-bytes-end");
  v1::DeleteBlobRequest delete_blob;
  delete_blob.set_repository("e2e/mounted");
  delete_blob.set_digest(layer.digest());
  v1::DeleteBlobResponse deleted_blob;
  ASSERT_OK(Call(blobs_.get(), &v1::BlobService::Stub::Delete, delete_blob,
                 &deleted_blob));
  stat.set_repository("e2e/mounted");
  EXPECT_THAT(Call(blobs_.get(), &v1::BlobService::Stub::Stat, stat, &info),
              HasReason(v1::BLOB_UNKNOWN));

  // Manifests: Put by tag, Get and Stat by tag and digest, a referrer.
  absl::StatusOr<v1::BlobInfo> config =
      UploadBlob(*storaged_.channel, repo, "{}");
  ASSERT_OK(config);
  std::string manifest = Manifest(*config, layer);
  v1::PutManifestRequest put;
  put.set_repository(repo);
  put.set_reference("v1");
  put.set_media_type(kOciManifestType);
  put.set_content(manifest);
  v1::PutManifestResponse put_response;
  ASSERT_OK(Call(manifests_.get(), &v1::ManifestService::Stub::Put, put,
                 &put_response));
  EXPECT_EQ(put_response.digest(), DigestOf(manifest).ToString());
  for (const std::string& ref : {std::string("v1"), put_response.digest()}) {
    v1::GetManifestRequest get;
    get.set_repository(repo);
    get.set_reference(ref);
    v1::Manifest got;
    ASSERT_OK(
        Call(manifests_.get(), &v1::ManifestService::Stub::Get, get, &got));
    EXPECT_EQ(got.content(), manifest);
    EXPECT_EQ(got.media_type(), kOciManifestType);
    v1::ManifestInfo manifest_info;
    ASSERT_OK(Call(manifests_.get(), &v1::ManifestService::Stub::Stat, get,
                   &manifest_info));
    EXPECT_EQ(manifest_info.size(), static_cast<int64_t>(manifest.size()));
  }
  std::string referrer = Manifest(
      *config, layer,
      absl::StrCat(
          R"(,"artifactType":"application/x-sig","subject":{"mediaType":")",
          kOciManifestType, R"(","digest":")", put_response.digest(),
          R"(","size":)", manifest.size(), "}"));
  put.set_reference(DigestOf(referrer).ToString());
  put.set_content(referrer);
  ASSERT_OK(Call(manifests_.get(), &v1::ManifestService::Stub::Put, put,
                 &put_response));
  EXPECT_EQ(put_response.subject(), DigestOf(manifest).ToString());
  auto referrers = v1::ReferrersService::NewStub(storaged_.channel);
  v1::ListReferrersRequest list_referrers;
  list_referrers.set_repository(repo);
  list_referrers.set_subject(DigestOf(manifest).ToString());
  list_referrers.set_artifact_type("application/x-sig");
  v1::ListReferrersResponse referrer_list;
  ASSERT_OK(Call(referrers.get(), &v1::ReferrersService::Stub::List,
                 list_referrers, &referrer_list));
  ASSERT_EQ(referrer_list.manifests_size(), 1);
  EXPECT_EQ(referrer_list.manifests(0).digest(), DigestOf(referrer).ToString());
  EXPECT_TRUE(referrer_list.filtered());

  // Tags and catalog, then deletes.
  put.set_reference("v2");
  put.set_content(manifest);
  ASSERT_OK(Call(manifests_.get(), &v1::ManifestService::Stub::Put, put,
                 &put_response));
  v1::ListTagsRequest list_tags;
  list_tags.set_repository(repo);
  list_tags.set_n(1);
  v1::ListTagsResponse tag_list;
  ASSERT_OK(
      Call(tags_.get(), &v1::TagService::Stub::List, list_tags, &tag_list));
  EXPECT_THAT(tag_list.tags(), ElementsAre("v1"));
  EXPECT_TRUE(tag_list.more());
  v1::DeleteTagRequest delete_tag;
  delete_tag.set_repository(repo);
  delete_tag.set_tag("v1");
  v1::DeleteTagResponse deleted_tag;
  ASSERT_OK(Call(tags_.get(), &v1::TagService::Stub::Delete, delete_tag,
                 &deleted_tag));
  list_tags.clear_n();
  ASSERT_OK(
      Call(tags_.get(), &v1::TagService::Stub::List, list_tags, &tag_list));
  EXPECT_THAT(tag_list.tags(), ElementsAre("v2"));
  auto catalog = v1::CatalogService::NewStub(storaged_.channel);
  v1::ListRepositoriesRequest list_repos;
  v1::ListRepositoriesResponse repos;
  ASSERT_OK(
      Call(catalog.get(), &v1::CatalogService::Stub::List, list_repos, &repos));
  EXPECT_THAT(repos.repositories(), ElementsAre("e2e/app"));
  v1::DeleteManifestRequest delete_manifest;
  delete_manifest.set_repository(repo);
  delete_manifest.set_reference(DigestOf(manifest).ToString());
  v1::DeleteManifestResponse deleted_manifest;
  ASSERT_OK(Call(manifests_.get(), &v1::ManifestService::Stub::Delete,
                 delete_manifest, &deleted_manifest));
  ASSERT_OK(
      Call(tags_.get(), &v1::TagService::Stub::List, list_tags, &tag_list));
  EXPECT_THAT(tag_list.tags(), ElementsAre());
}

TEST_F(StoragedProcessTest, BadInputGetsTheRightCodeAndReason) {
  const std::string repo = "bad/input";
  v1::StatBlobRequest stat;
  stat.set_repository(repo);
  stat.set_digest("sha256:xyz");
  v1::BlobInfo info;
  absl::Status status =
      Call(blobs_.get(), &v1::BlobService::Stub::Stat, stat, &info);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(status, HasReason(v1::DIGEST_INVALID));
  stat.set_repository("Bad/Name");
  stat.set_digest(DigestOf("x").ToString());
  EXPECT_THAT(Call(blobs_.get(), &v1::BlobService::Stub::Stat, stat, &info),
              HasReason(v1::NAME_INVALID));
  stat.set_repository(std::string(256, 'a'));
  EXPECT_THAT(Call(blobs_.get(), &v1::BlobService::Stub::Stat, stat, &info),
              HasReason(v1::NAME_INVALID));
  stat.set_repository(repo);
  status = Call(blobs_.get(), &v1::BlobService::Stub::Stat, stat, &info);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(status, HasReason(v1::BLOB_UNKNOWN));

  // Unknown upload, wrong offset, digest mismatch.
  EXPECT_THAT(WriteChunks(*storaged_.channel, repo,
                          "00000000-0000-4000-8000-000000000000", 0,
                          [] { return std::string(); }),
              HasReason(v1::BLOB_UPLOAD_UNKNOWN));
  v1::UploadStatus upload = StartUpload(repo);
  ASSERT_OK(WriteChunks(*storaged_.channel, repo, upload.upload_id(), 0,
                        [n = 0]() mutable { return n++ ? "" : "abc"; }));
  absl::StatusOr<v1::UploadStatus> wrong =
      WriteChunks(*storaged_.channel, repo, upload.upload_id(), 1,
                  [n = 0]() mutable { return n++ ? "" : "zzz"; });
  EXPECT_THAT(wrong, StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(wrong, HasReason(v1::RANGE_INVALID));
  v1::CommitUploadRequest commit;
  commit.set_repository(repo);
  commit.set_upload_id(upload.upload_id());
  commit.set_digest(DigestOf("abd").ToString());
  EXPECT_THAT(
      Call(uploads_.get(), &v1::UploadService::Stub::Commit, commit, &info),
      HasReason(v1::DIGEST_INVALID));
  commit.set_digest(DigestOf("abc").ToString());  // Nothing was appended.
  ASSERT_OK(
      Call(uploads_.get(), &v1::UploadService::Stub::Commit, commit, &info));

  // Manifests: missing blob, malformed, oversized, invalid tag; none visible.
  v1::PutManifestRequest put;
  put.set_repository(repo);
  put.set_reference("t");
  put.set_media_type(kOciManifestType);
  v1::BlobInfo missing;
  missing.set_digest(DigestOf("missing").ToString());
  missing.set_size(7);
  put.set_content(Manifest(info, missing));
  v1::PutManifestResponse put_response;
  status = Call(manifests_.get(), &v1::ManifestService::Stub::Put, put,
                &put_response);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(status, HasReason(v1::MANIFEST_BLOB_UNKNOWN));
  put.set_content("{not json");
  EXPECT_THAT(Call(manifests_.get(), &v1::ManifestService::Stub::Put, put,
                   &put_response),
              HasReason(v1::MANIFEST_INVALID));
  put.set_content(std::string(5 << 20, ' '));
  status = Call(manifests_.get(), &v1::ManifestService::Stub::Put, put,
                &put_response);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(status, HasReason(v1::TOO_LARGE));
  put.set_reference("-bad-tag");
  EXPECT_THAT(Call(manifests_.get(), &v1::ManifestService::Stub::Put, put,
                   &put_response),
              HasReason(v1::TAG_INVALID));
  v1::GetManifestRequest get;
  get.set_repository(repo);
  get.set_reference("t");
  v1::Manifest got;
  EXPECT_THAT(
      Call(manifests_.get(), &v1::ManifestService::Stub::Get, get, &got),
      HasReason(v1::MANIFEST_UNKNOWN));
  v1::ListTagsRequest list;
  list.set_repository(repo);
  v1::ListTagsResponse tags;
  ASSERT_OK(Call(tags_.get(), &v1::TagService::Stub::List, list, &tags));
  EXPECT_EQ(tags.tags_size(), 0);
  list.set_repository("never/pushed");
  EXPECT_THAT(Call(tags_.get(), &v1::TagService::Stub::List, list, &tags),
              HasReason(v1::NAME_UNKNOWN));
}

TEST_F(StoragedProcessTest, GibUploadStreamsWithBoundedMemory) {
  const std::string repo = "big/blob";
  const size_t chunk = 1 << 20;
  const int64_t total = int64_t{1} << 30;
  // Warm up the process (threads, allocator) before taking the baseline.
  ASSERT_OK(UploadBlob(*storaged_.channel, repo, Chunk(999999, chunk)));
  int64_t baseline = PeakResidentBytes(storaged_.process->pid());
  ASSERT_GT(baseline, 0);
  v1::UploadStatus upload = StartUpload(repo);
  Sha256Hasher hasher;
  int64_t index = 0;
  // Four streams of 256 MiB, as four PATCH requests would arrive.
  for (int part = 0; part < 4; ++part) {
    int64_t sent = 0;
    absl::StatusOr<v1::UploadStatus> status =
        WriteChunks(*storaged_.channel, repo, upload.upload_id(),
                    part * (total / 4), [&]() -> std::string {
                      if (sent == total / 4) return "";
                      std::string bytes = Chunk(index++, chunk);
                      hasher.Update(bytes);
                      sent += static_cast<int64_t>(bytes.size());
                      return bytes;
                    });
    ASSERT_OK(status);
    EXPECT_EQ(status->offset(), (part + 1) * (total / 4));
  }
  v1::CommitUploadRequest commit;
  commit.set_repository(repo);
  commit.set_upload_id(upload.upload_id());
  commit.set_digest(hasher.Finish().ToString());
  commit.set_size(total);
  v1::BlobInfo blob;
  ASSERT_OK(
      Call(uploads_.get(), &v1::UploadService::Stub::Commit, commit, &blob));
  EXPECT_EQ(blob.size(), total);
  // Read it all back through the server-streaming Read.
  auto stub = v1::BlobService::NewStub(storaged_.channel);
  grpc::ClientContext context;
  v1::ReadBlobRequest read;
  read.set_repository(repo);
  read.set_digest(blob.digest());
  auto reader = stub->Read(&context, read);
  Sha256Hasher read_hash;
  v1::ReadBlobResponse message;
  while (reader->Read(&message)) read_hash.Update(message.data());
  ASSERT_OK(FromGrpcStatus(reader->Finish()));
  EXPECT_EQ(read_hash.Finish().ToString(), blob.digest());
  int64_t growth = PeakResidentBytes(storaged_.process->pid()) - baseline;
  std::cout << "storaged peak RSS: baseline " << baseline << ", growth "
            << growth << " bytes over 1 GiB up and down\n";
  EXPECT_LT(growth, 32 << 20) << "storaged peak RSS grew by " << growth
                              << " bytes over a 1 GiB upload and read";
}

TEST_F(StoragedProcessTest, UploadResumesOnAnotherProcessAfterSigkill) {
  const std::string repo = "resume/app";
  const size_t chunk = 1 << 20;
  const int chunks = 48;
  v1::UploadStatus upload = StartUpload(repo);
  // First 16 MiB: a complete Write.
  int next = 0;
  ASSERT_OK(WriteChunks(
      *storaged_.channel, repo, upload.upload_id(), 0,
      [&]() -> std::string { return next < 16 ? Chunk(next++, chunk) : ""; }));
  // Then a Write during which the process is killed.
  std::atomic<bool> killed{false};
  absl::StatusOr<v1::UploadStatus> interrupted = WriteChunks(
      *storaged_.channel, repo, upload.upload_id(), 16 * chunk,
      [&]() -> std::string {
        if (next == 24 && !killed) {
          absl::SleepFor(absl::Milliseconds(200));  // Let some bytes land.
          storaged_.process->Signal(SIGKILL);
          killed = true;
        }
        return next < chunks ? Chunk(next++, chunk) : "";
      });
  EXPECT_FALSE(interrupted.ok());
  ASSERT_OK(storaged_.process->Wait(absl::Seconds(10)));

  // A second storaged on the same root continues the upload.
  absl::StatusOr<StoragedProcess> second = StartStoraged(root_);
  ASSERT_OK(second);
  auto uploads = v1::UploadService::NewStub(second->channel);
  v1::UploadStatusRequest status_request;
  status_request.set_repository(repo);
  status_request.set_upload_id(upload.upload_id());
  v1::UploadStatus status;
  ASSERT_OK(Call(uploads.get(), &v1::UploadService::Stub::Status,
                 status_request, &status));
  EXPECT_GE(status.offset(), 16 * static_cast<int64_t>(chunk));
  EXPECT_LE(status.offset(), chunks * static_cast<int64_t>(chunk));
  std::cout << "after SIGKILL the second process resumes at offset "
            << status.offset() << "\n";
  // Resend from wherever the data ends, mid-chunk or not.
  int64_t offset = status.offset();
  int64_t position = offset;
  ASSERT_OK(WriteChunks(
      *second->channel, repo, upload.upload_id(), offset, [&]() -> std::string {
        if (position >= chunks * static_cast<int64_t>(chunk)) {
          return "";
        }
        int64_t i = position / chunk;
        std::string bytes = Chunk(i, chunk).substr(position % chunk);
        position += static_cast<int64_t>(bytes.size());
        return bytes;
      }));
  Sha256Hasher expected;
  for (int i = 0; i < chunks; ++i) expected.Update(Chunk(i, chunk));
  v1::CommitUploadRequest commit;
  commit.set_repository(repo);
  commit.set_upload_id(upload.upload_id());
  commit.set_digest(expected.Finish().ToString());
  v1::BlobInfo blob;
  ASSERT_OK(
      Call(uploads.get(), &v1::UploadService::Stub::Commit, commit, &blob));
  EXPECT_EQ(blob.size(), chunks * static_cast<int64_t>(chunk));
}

TEST_F(StoragedProcessTest, TwoProcessesCommitTheSameBlobConcurrently) {
  absl::StatusOr<StoragedProcess> second = StartStoraged(root_);
  ASSERT_OK(second);
  for (int round = 0; round < 5; ++round) {
    std::string content = Chunk(round, 4 << 20);
    absl::Status results[2];
    std::thread a([&] {
      results[0] =
          UploadBlob(*storaged_.channel, "same/blob", content).status();
    });
    std::thread b([&] {
      results[1] = UploadBlob(*second->channel, "same/blob", content).status();
    });
    a.join();
    b.join();
    EXPECT_OK(results[0]) << "round " << round;
    EXPECT_OK(results[1]) << "round " << round;
    Digest digest = DigestOf(content);
    for (auto* channel : {storaged_.channel.get(), second->channel.get()}) {
      absl::StatusOr<std::string> read =
          ReadBlob(*channel, "same/blob", digest.ToString());
      ASSERT_OK(read);
      EXPECT_TRUE(*read == content);
    }
    struct stat st;
    std::string data =
        absl::StrCat(root_, "/docker/registry/v2/blobs/sha256/",
                     digest.hex().substr(0, 2), "/", digest.hex(), "/data");
    ASSERT_EQ(stat(data.c_str(), &st), 0);
    EXPECT_EQ(st.st_size, static_cast<off_t>(content.size()));
  }
}

TEST_F(StoragedProcessTest, SigtermStopsCleanly) {
  storaged_.process->Signal(SIGTERM);
  absl::StatusOr<int> code = storaged_.process->Wait(absl::Seconds(15));
  ASSERT_OK(code);
  EXPECT_EQ(*code, 0);
  EXPECT_OK(storaged_.process->WaitForLog("stopped", absl::Seconds(1)));
}

}  // namespace
}  // namespace registry::testing
