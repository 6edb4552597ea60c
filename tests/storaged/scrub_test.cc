// `storaged scrub` on a store written by the real storaged, then damaged the
// ways the integrity defects damaged stores: a blob holding more than its
// content, a layer link to a missing blob, a tag without a current link, an
// upload that lost its data. The scrub reports each (exit 2) without
// touching the store; --repair quarantines the bad blob (kept, no longer
// served) and removes the broken entries (exit 0); a second scrub is clean.
// Damage younger than --grace is not judged.
#include <sys/stat.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/digest.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/manifest.grpc.pb.h"
#include "tests/testing/registry_client.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/storaged_process.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/test_data.h"

namespace registry::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct ScrubRun {
  int code = -1;
  std::string output;
};

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

class ScrubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = NewTempDir("root");
    absl::StatusOr<StoragedProcess> storaged = StartStoraged(root_);
    ASSERT_OK(storaged);
    // Two repositories, each with a layer, and a tagged manifest in one.
    layer_ = Chunk(1, 300 << 10);
    other_ = Chunk(2, 100 << 10);
    ASSERT_OK(UploadBlob(*storaged->channel, "s/app", layer_));
    ASSERT_OK(UploadBlob(*storaged->channel, "s/app", "{}"));
    ASSERT_OK(UploadBlob(*storaged->channel, "s/other", other_));
    auto manifests = v1::ManifestService::NewStub(storaged->channel);
    grpc::ClientContext context;
    v1::PutManifestRequest put;
    put.set_repository("s/app");
    put.set_reference("v1");
    put.set_media_type("application/vnd.oci.image.manifest.v1+json");
    put.set_content(absl::StrCat(
        R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")",
        DigestOf("{}").ToString(),
        R"(","size":2},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":")",
        DigestOf(layer_).ToString(), R"(","size":)", layer_.size(), "}]}"));
    v1::PutManifestResponse response;
    ASSERT_TRUE(manifests->Put(&context, put, &response).ok());
    upload_ = *StartUpload(*storaged->channel, "s/app");
    ASSERT_OK(WriteChunks(*storaged->channel, "s/app", upload_, 0,
                          [sent = false]() mutable {
                            std::string next = sent ? "" : "partial";
                            sent = true;
                            return next;
                          }));
  }

  std::string V2() const { return root_ + "/docker/registry/v2"; }
  std::string BlobFile(const std::string& content) const {
    Digest digest = DigestOf(content);
    return absl::StrCat(V2(), "/blobs/sha256/", digest.hex().substr(0, 2), "/",
                        digest.hex(), "/data");
  }
  std::string Repo(const std::string& name) const {
    return absl::StrCat(V2(), "/repositories/", name);
  }

  ScrubRun Scrub(std::vector<std::string> flags) {
    std::vector<std::string> argv = {RunfilePath("storaged/storaged"), "scrub",
                                     "--root=" + root_};
    argv.insert(argv.end(), flags.begin(), flags.end());
    std::string log = absl::StrCat(NewTempDir("scrub"), "/out.log");
    absl::StatusOr<std::unique_ptr<Subprocess>> process =
        Subprocess::Start(argv, log);
    EXPECT_OK(process);
    if (!process.ok()) return {};
    ScrubRun run;
    absl::StatusOr<int> code = (*process)->Wait(absl::Seconds(60));
    EXPECT_OK(code);
    run.code = code.value_or(-1);
    std::ifstream in(log);
    run.output.assign(std::istreambuf_iterator<char>(in),
                      std::istreambuf_iterator<char>());
    return run;
  }

  // Damages the store as the integrity defects did.
  void Damage() {
    {  // A blob holding more than its content.
      std::ofstream data(BlobFile(layer_), std::ios::app | std::ios::binary);
      data << "interleaved bytes";
    }
    // A repository's layer whose blob is gone.
    ASSERT_EQ(std::remove(BlobFile(other_).c_str()), 0);
    // A tag left with its index but without its current link.
    std::string tag = Repo("s/app") + "/_manifests/tags/v1";
    ASSERT_EQ(std::remove((tag + "/current/link").c_str()), 0);
    // An upload whose data vanished.
    std::string upload = Repo("s/app") + "/_uploads/" + upload_;
    ASSERT_EQ(std::remove((upload + "/data").c_str()), 0);
  }

  std::string root_, layer_, other_, upload_;
};

TEST_F(ScrubTest, ACleanStoreScrubsClean) {
  ScrubRun run = Scrub({});
  EXPECT_EQ(run.code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("scrub: 4 blobs"));
  EXPECT_THAT(run.output, HasSubstr(" 0 problems"));
}

TEST_F(ScrubTest, FindsTheDamageThenRepairsIt) {
  Damage();
  ScrubRun found = Scrub({"--grace=0s"});
  EXPECT_EQ(found.code, 2) << found.output;
  EXPECT_THAT(found.output,
              HasSubstr("bad blob " + DigestOf(layer_).ToString()));
  EXPECT_THAT(found.output,
              HasSubstr("layer link s/other@" + DigestOf(other_).ToString() +
                        ": its blob is not stored"));
  EXPECT_THAT(found.output, HasSubstr("broken tag s/app:v1: has no current"));
  EXPECT_THAT(found.output,
              HasSubstr("upload without data s/app upload " + upload_));
  EXPECT_THAT(found.output, Not(HasSubstr("(repaired)")));
  // Reporting changed nothing.
  EXPECT_TRUE(Exists(BlobFile(layer_)));
  EXPECT_TRUE(Exists(Repo("s/app") + "/_manifests/tags/v1"));

  ScrubRun repaired = Scrub({"--grace=0s", "--repair"});
  EXPECT_EQ(repaired.code, 0) << repaired.output;
  EXPECT_THAT(repaired.output, HasSubstr("quarantined at"));
  // The bad blob is kept aside, no longer at its address.
  EXPECT_FALSE(Exists(BlobFile(layer_)));
  std::string quarantine =
      V2() + "/quarantine/sha256/" + DigestOf(layer_).hex();
  EXPECT_TRUE(Exists(quarantine));
  // Links to it (now missing) go with the broken entries.
  EXPECT_FALSE(Exists(Repo("s/other") + "/_layers/sha256/" +
                      DigestOf(other_).hex() + "/link"));
  EXPECT_FALSE(Exists(Repo("s/app") + "/_manifests/tags/v1"));
  EXPECT_FALSE(Exists(Repo("s/app") + "/_uploads/" + upload_));

  ScrubRun again = Scrub({"--grace=0s"});
  EXPECT_EQ(again.code, 0) << again.output;
  EXPECT_THAT(again.output, HasSubstr(" 0 problems"));
}

TEST_F(ScrubTest, YoungLinksAreNotJudged) {
  // A link whose blob is missing, written just now: a commit in progress
  // looks like that, so it is left alone.
  ASSERT_EQ(std::remove(BlobFile(other_).c_str()), 0);
  ScrubRun run = Scrub({"--repair"});
  EXPECT_EQ(run.code, 0) << run.output;
  EXPECT_THAT(run.output, Not(HasSubstr("layer link")));
  EXPECT_TRUE(Exists(Repo("s/other") + "/_layers/sha256/" +
                     DigestOf(other_).hex() + "/link"));
}

}  // namespace
}  // namespace registry::testing
