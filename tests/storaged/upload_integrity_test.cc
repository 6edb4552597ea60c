// The upload rule, end to end over real gRPC with storaged processes sharing
// one root: at most one writer or committer per upload at any moment; a
// commit verifies exactly the bytes that land at the address; a second
// commit answers as the first did; a commit that crashed rolls forward; a
// stream never writes into a committed upload. Each case was a defect that
// let a blob be stored under a digest its bytes do not hash to.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <future>
#include <iostream>
#include <limits>
#include <random>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/digest.h"
#include "common/errors.h"
#include "common/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/upload.grpc.pb.h"
#include "tests/testing/reason_matchers.h"
#include "tests/testing/registry_client.h"
#include "tests/testing/s3_server.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/storaged_process.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/test_data.h"
#include "tests/testing/wait.h"

namespace registry::testing {
namespace {

constexpr char kRepo[] = "integrity/app";

// Two storaged processes on one store: a directory (filesystem), or one
// bucket of a real S3 server (Ceph RGW).
class UploadIntegrityTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    root_ = NewTempDir("root");
    if (OnS3()) {
      static int counter = 0;
      config_ = SharedS3Server().WriteStoragedConfig(
          absl::StrCat("integrity-", getpid(), "-", ++counter));
    }
    for (StoragedProcess* process : {&first_, &second_}) {
      ASSERT_OK(Restart(*process));
    }
  }

  bool OnS3() const { return GetParam() == "s3"; }

  // (Re)starts a storaged on the store.
  absl::Status Restart(StoragedProcess& process) {
    absl::StatusOr<StoragedProcess> started =
        OnS3() ? StartStoraged(root_, {"--driver=s3", "--config=" + config_})
               : StartStoraged(root_);
    if (!started.ok()) return started.status();
    process = *std::move(started);
    return absl::OkStatus();
  }

  // The scrub's flags naming the store.
  std::vector<std::string> StoreFlags() const {
    if (OnS3()) return {"--driver=s3", "--config=" + config_};
    return {"--root=" + root_};
  }

  std::string V2() const { return root_ + "/docker/registry/v2"; }
  std::string BlobFile(const Digest& digest) const {
    return absl::StrCat(V2(), "/blobs/sha256/", digest.hex().substr(0, 2), "/",
                        digest.hex(), "/data");
  }
  std::string UploadDir(const std::string& id) const {
    return absl::StrCat(V2(), "/repositories/", kRepo, "/_uploads/", id);
  }

  // Writes `content` into a new upload through `process`; returns its id.
  std::string UploadWithoutCommit(StoragedProcess& process,
                                  const std::string& content) {
    absl::StatusOr<std::string> id = StartUpload(*process.channel, kRepo);
    EXPECT_OK(id);
    size_t sent = 0;
    EXPECT_OK(WriteChunks(*process.channel, kRepo, *id, 0, [&] {
      std::string next = content.substr(sent, 1 << 20);
      sent += next.size();
      return next;
    }));
    return *id;
  }

  // Fails the test unless the stored blob, if any, hashes to `digest`: as
  // served to the repository, and on the filesystem as stored on disk.
  void ExpectStoredBlobIsRightOrAbsent(const Digest& digest) {
    absl::StatusOr<std::string> served =
        ReadBlob(*second_.channel, kRepo, digest.ToString());
    if (served.ok()) {
      EXPECT_EQ(DigestOf(*served), digest)
          << "storaged serves " << served->size() << " bytes under "
          << digest.ToString() << " that do not hash to it";
    }
    if (OnS3()) return;
    std::ifstream in(BlobFile(digest), std::ios::binary);
    if (!in) return;
    std::string bytes((std::istreambuf_iterator<char>(in)),
                      std::istreambuf_iterator<char>());
    EXPECT_EQ(DigestOf(bytes), digest)
        << "the store holds " << bytes.size() << " bytes under "
        << digest.ToString() << " that do not hash to it";
  }

  std::string root_;
  std::string config_;  // On S3.
  StoragedProcess first_;
  StoragedProcess second_;
};

// Cases that craft, on disk, the states a crash leaves: filesystem only.
using CrashStateTest = UploadIntegrityTest;

TEST_P(UploadIntegrityTest, ACommitWaitsForAnOpenStreamAndNeverTakesItsBytes) {
  const std::string first = Chunk(1, 1 << 20);
  const std::string later = Chunk(2, 256 << 10);
  const Digest digest = DigestOf(first);
  absl::StatusOr<std::string> id = StartUpload(*first_.channel, kRepo);
  ASSERT_OK(id);

  // A stream that sends 1 MiB and stays open.
  auto stub = v1::UploadService::NewStub(first_.channel);
  grpc::ClientContext context;
  v1::UploadStatus written;
  auto stream = stub->Write(&context, &written);
  v1::WriteUploadRequest message;
  message.set_repository(kRepo);
  message.set_upload_id(*id);
  message.set_offset(0);
  message.set_data(first);
  ASSERT_TRUE(stream->Write(message));
  // On the filesystem the stream's bytes show in the upload's offset as
  // they land; the S3 driver keeps them until a part fills or the stream
  // ends, so there the commit may come first (and then sees no bytes).
  if (!OnS3()) {
    ASSERT_OK(WaitFor(
        [&] {
          absl::StatusOr<v1::UploadStatus> status =
              UploadStatusOf(*second_.channel, kRepo, *id);
          return status.ok() && status->offset() == 1 << 20;
        },
        absl::Seconds(10)));
  }

  // A commit of exactly those bytes, on the other process, while the stream
  // is open: it must not act before the stream ends.
  auto commit = std::async(std::launch::async, [&] {
    return CommitUpload(*second_.channel, kRepo, *id, digest.ToString());
  });
  if (!OnS3()) {
    EXPECT_EQ(commit.wait_for(std::chrono::seconds(1)),
              std::future_status::timeout)
        << "the commit ran while another request was writing the upload";
  }
  v1::WriteUploadRequest more;
  more.set_data(later);
  ASSERT_TRUE(stream->Write(more));
  stream->WritesDone();
  ASSERT_TRUE(stream->Finish().ok());
  EXPECT_EQ(written.offset(),
            static_cast<int64_t>(first.size() + later.size()));

  // The commit sees every byte of the upload, which no longer hash to it.
  EXPECT_THAT(commit.get(), HasReason(v1::DIGEST_INVALID));
  ExpectStoredBlobIsRightOrAbsent(digest);
  EXPECT_THAT(ReadBlob(*first_.channel, kRepo, digest.ToString()),
              HasReason(v1::BLOB_UNKNOWN));
  // A correct push of the content then stores it, byte for byte.
  ASSERT_OK(UploadBlob(*first_.channel, kRepo, first));
  EXPECT_TRUE(*ReadBlob(*second_.channel, kRepo, digest.ToString()) == first);
  ExpectStoredBlobIsRightOrAbsent(digest);
}

TEST_P(UploadIntegrityTest, AStreamCannotWriteToACommittedUpload) {
  const std::string content = Chunk(3, 300 << 10);
  const Digest digest = DigestOf(content);
  std::string id = UploadWithoutCommit(first_, content);
  ASSERT_OK(CommitUpload(*first_.channel, kRepo, id, digest.ToString()));
  EXPECT_THAT(WriteChunks(*second_.channel, kRepo, id, content.size(),
                          [sent = false]() mutable {
                            std::string next = sent ? "" : "appended";
                            sent = true;
                            return next;
                          }),
              HasReason(v1::BLOB_UPLOAD_UNKNOWN));
  EXPECT_THAT(UploadStatusOf(*second_.channel, kRepo, id),
              HasReason(v1::BLOB_UPLOAD_UNKNOWN));
  EXPECT_TRUE(*ReadBlob(*second_.channel, kRepo, digest.ToString()) == content);
  ExpectStoredBlobIsRightOrAbsent(digest);
}

TEST_P(UploadIntegrityTest, ConcurrentCommitsStoreTheFinalChunkOnce) {
  const int rounds = OnS3() ? 4 : 10;  // Lease polling is slower on S3.
  for (int round = 0; round < rounds; ++round) {
    const std::string head = Chunk(10 + round, 700 << 10);
    const std::string tail = Chunk(100 + round, 64 << 10);
    const Digest digest = DigestOf(head + tail);
    std::string id = UploadWithoutCommit(first_, head);
    // Eight copies of the same final PUT (retries, or two gateways), none
    // naming the offset, split over both processes.
    std::vector<std::future<absl::StatusOr<v1::BlobInfo>>> commits;
    for (int i = 0; i < 8; ++i) {
      StoragedProcess& process = i % 2 == 0 ? first_ : second_;
      commits.push_back(std::async(std::launch::async, [&, i] {
        (void)i;
        return CommitUpload(*process.channel, kRepo, id, digest.ToString(),
                            tail);
      }));
    }
    for (auto& commit : commits) {
      absl::StatusOr<v1::BlobInfo> blob = commit.get();
      ASSERT_OK(blob) << "round " << round;
      EXPECT_EQ(blob->digest(), digest.ToString());
      EXPECT_EQ(blob->size(), static_cast<int64_t>(head.size() + tail.size()));
    }
    ExpectStoredBlobIsRightOrAbsent(digest);
    EXPECT_TRUE(*ReadBlob(*second_.channel, kRepo, digest.ToString()) ==
                head + tail);
  }
}

TEST_P(UploadIntegrityTest, ARetriedCommitOfAnotherDigestIsUnknown) {
  const std::string content = Chunk(4, 10 << 10);
  std::string id = UploadWithoutCommit(first_, content);
  ASSERT_OK(
      CommitUpload(*first_.channel, kRepo, id, DigestOf(content).ToString()));
  EXPECT_THAT(CommitUpload(*second_.channel, kRepo, id,
                           DigestOf(content + "x").ToString(), "x"),
              HasReason(v1::BLOB_UPLOAD_UNKNOWN));
  ExpectStoredBlobIsRightOrAbsent(DigestOf(content + "x"));
  EXPECT_THAT(
      ReadBlob(*first_.channel, kRepo, DigestOf(content + "x").ToString()),
      HasReason(v1::BLOB_UNKNOWN));
}

TEST_P(CrashStateTest, ACommitThatCrashedAfterDecidingRollsForward) {
  const std::string content = Chunk(5, 2 << 20);
  const Digest digest = DigestOf(content);
  std::string id = UploadWithoutCommit(first_, content);
  // The state a commit leaves when it dies right after deciding: the marker
  // is written, the data not yet moved.
  {
    std::ofstream marker(UploadDir(id) + "/committed");
    marker << digest.ToString() << " " << content.size();
  }
  EXPECT_THAT(UploadStatusOf(*second_.channel, kRepo, id),
              HasReason(v1::BLOB_UPLOAD_UNKNOWN));
  absl::StatusOr<v1::BlobInfo> blob =
      CommitUpload(*second_.channel, kRepo, id, digest.ToString());
  ASSERT_OK(blob);
  EXPECT_EQ(blob->digest(), digest.ToString());
  EXPECT_TRUE(*ReadBlob(*first_.channel, kRepo, digest.ToString()) == content);
  struct stat st;
  EXPECT_NE(stat((UploadDir(id) + "/data").c_str(), &st), 0);
}

TEST_P(CrashStateTest, AnUploadWhoseDataVanishedIsUnknownNotInvalid) {
  // What a commit of an earlier version left when it died between moving
  // the data and removing the upload: hash states but no data.
  const std::string content = Chunk(6, 1 << 20);
  std::string id = UploadWithoutCommit(first_, content);
  ASSERT_EQ(std::rename((UploadDir(id) + "/data").c_str(),
                        (NewTempDir("moved") + "/data").c_str()),
            0);
  EXPECT_THAT(
      CommitUpload(*second_.channel, kRepo, id, DigestOf(content).ToString()),
      HasReason(v1::BLOB_UPLOAD_UNKNOWN));
}

TEST_P(CrashStateTest, ADamagedBlobIsReplacedByAVerifiedPush) {
  const std::string content = Chunk(7, 512 << 10);
  const Digest digest = DigestOf(content);
  // A blob file holding more than its content (as an interleaved stream
  // used to leave it).
  std::string dir = BlobFile(digest).substr(0, BlobFile(digest).rfind('/'));
  ASSERT_OK(RunCommand({"mkdir", "-p", dir}, absl::Seconds(10)).status());
  {
    std::ofstream bad(BlobFile(digest), std::ios::binary);
    bad << content << "trailing bytes";
  }
  ASSERT_OK(UploadBlob(*first_.channel, kRepo, content));
  ExpectStoredBlobIsRightOrAbsent(digest);
  EXPECT_TRUE(*ReadBlob(*second_.channel, kRepo, digest.ToString()) == content);
}

TEST_P(UploadIntegrityTest, ReadRangesThatOverflowAreOutOfRange) {
  const std::string content = Chunk(8, 1000);
  absl::StatusOr<v1::BlobInfo> blob =
      UploadBlob(*first_.channel, kRepo, content);
  ASSERT_OK(blob);
  const int64_t max = std::numeric_limits<int64_t>::max();
  for (auto [offset, length] : std::vector<std::pair<int64_t, int64_t>>{
           {1, max}, {max, 1}, {max, max}, {1000, 1}, {999, 2}}) {
    absl::StatusOr<std::string> read =
        ReadBlob(*first_.channel, kRepo, blob->digest(), offset, length);
    EXPECT_THAT(read, StatusIs(absl::StatusCode::kOutOfRange))
        << offset << "+" << length;
    EXPECT_THAT(read, HasReason(v1::RANGE_INVALID));
  }
  EXPECT_EQ(*ReadBlob(*first_.channel, kRepo, blob->digest(), 999, 1),
            content.substr(999));
}

TEST_P(CrashStateTest, ARetryAfterTheFinalChunkLandedStoresItOnce) {
  const std::string head = Chunk(9, 1 << 20);
  const std::string tail = Chunk(10, 100 << 10);
  const Digest digest = DigestOf(head + tail);
  std::string id = UploadWithoutCommit(first_, head);
  {  // A commit that appended the chunk, then died before deciding.
    std::ofstream data(UploadDir(id) + "/data",
                       std::ios::app | std::ios::binary);
    data << tail;
  }
  absl::StatusOr<v1::BlobInfo> blob =
      CommitUpload(*second_.channel, kRepo, id, digest.ToString(), tail);
  ASSERT_OK(blob);
  EXPECT_EQ(blob->size(), static_cast<int64_t>(head.size() + tail.size()));
  EXPECT_TRUE(*ReadBlob(*first_.channel, kRepo, digest.ToString()) ==
              head + tail);
  // The same with the offset named (Content-Range on the final PUT).
  std::string again = UploadWithoutCommit(first_, head + tail);
  const std::string other_tail = Chunk(11, 10 << 10);
  const Digest other = DigestOf(head + tail + other_tail);
  {
    std::ofstream data(UploadDir(again) + "/data",
                       std::ios::app | std::ios::binary);
    data << other_tail;
  }
  EXPECT_OK(CommitUpload(*second_.channel, kRepo, again, other.ToString(),
                         other_tail, head.size() + tail.size()));
  ExpectStoredBlobIsRightOrAbsent(other);
}

// SIGKILL at random points, repeated: during a Write stream, during a
// commit, and during two concurrent commits on both processes. Each blob is
// right or absent at every point; the client's retry (resume, or commit
// again) ends with the right blob; and the scrub finds nothing afterwards.
TEST_P(UploadIntegrityTest, SigkillAtRandomPointsNeverLeavesAWrongBlob) {
  std::mt19937 random(20261202);
  int restarted_uploads = 0;
  // On S3 a killed holder's lock lasts until its lease expires (15 s), which
  // the client's retry waits out: fewer rounds there.
  const int rounds = OnS3() ? 3 : 9;
  for (int round = 0; round < rounds; ++round) {
    const int mode = round % 3;
    const std::string head = Chunk(200 + round, 24 << 20);
    const std::string tail = Chunk(300 + round, 128 << 10);
    const Digest digest = DigestOf(head + tail);
    std::string id;
    std::future<absl::Status> victim, survivor;
    if (mode == 0) {  // Killed while the bytes stream in.
      absl::StatusOr<std::string> started = StartUpload(*first_.channel, kRepo);
      ASSERT_OK(started);
      id = *started;
      victim = std::async(std::launch::async, [&] {
        size_t sent = 0;
        return WriteChunks(*first_.channel, kRepo, id, 0,
                           [&] {
                             std::string next = head.substr(sent, 1 << 20);
                             sent += next.size();
                             return next;
                           })
            .status();
      });
    } else {
      id = UploadWithoutCommit(first_, head);
      victim = std::async(std::launch::async, [&] {
        return CommitUpload(*first_.channel, kRepo, id, digest.ToString(), tail)
            .status();
      });
      if (mode == 2) {  // A second copy of the final PUT, elsewhere.
        survivor = std::async(std::launch::async, [&] {
          return CommitUpload(*second_.channel, kRepo, id, digest.ToString(),
                              tail)
              .status();
        });
      }
    }
    absl::SleepFor(absl::Microseconds(random() % 80000));  // A random point.
    first_.process->Signal(SIGKILL);
    ASSERT_OK(first_.process->Wait(absl::Seconds(10)).status());
    victim.get().IgnoreError();  // Done or cut off: either is fine.
    if (survivor.valid()) survivor.get().IgnoreError();
    ExpectStoredBlobIsRightOrAbsent(digest);

    // The client carries on through the other process.
    absl::StatusOr<v1::UploadStatus> status =
        UploadStatusOf(*second_.channel, kRepo, id);
    if (status.ok() && status->offset() < static_cast<int64_t>(head.size())) {
      int64_t sent = status->offset();  // Resume the stream where it ended.
      ASSERT_OK(WriteChunks(*second_.channel, kRepo, id, sent, [&] {
        std::string next = head.substr(sent, 1 << 20);
        sent += next.size();
        return next;
      }));
    }
    absl::StatusOr<v1::BlobInfo> retried =
        CommitUpload(*second_.channel, kRepo, id, digest.ToString(), tail);
    if (absl::IsInvalidArgument(retried.status())) {
      // The kill cut the final chunk's own write short: the upload ends in
      // bytes no one verified, so the client starts over (never a wrong
      // blob).
      ++restarted_uploads;
      ExpectStoredBlobIsRightOrAbsent(digest);
      retried = UploadBlob(*second_.channel, kRepo, head + tail);
    }
    ASSERT_OK(retried) << "round " << round;
    EXPECT_TRUE(*ReadBlob(*second_.channel, kRepo, digest.ToString()) ==
                head + tail);
    ExpectStoredBlobIsRightOrAbsent(digest);

    ASSERT_OK(Restart(first_));
  }
  std::cout << restarted_uploads << " of " << rounds
            << " uploads restarted by the client\n";
  absl::StatusOr<std::string> scrub =
      RunCommand({RunfilePath("storaged/storaged"), "scrub", "--root=" + root_,
                  "--grace=0s"},
                 absl::Seconds(120));
  ASSERT_OK(scrub);  // Exit 0: nothing wrong.
  EXPECT_THAT(*scrub, ::testing::HasSubstr(" 0 problems"));
}

INSTANTIATE_TEST_SUITE_P(Stores, UploadIntegrityTest,
                         ::testing::Values("filesystem", "s3"),
                         [](const auto& info) { return info.param; });
INSTANTIATE_TEST_SUITE_P(Filesystem, CrashStateTest,
                         ::testing::Values("filesystem"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace registry::testing
