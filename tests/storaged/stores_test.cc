// The stores on the in-memory driver: uploads, blobs, manifests, tags,
// referrers and the catalog, including every refusal and what stays stored.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "drivers/inmemory/inmemory_driver.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storaged/catalog.h"
#include "storaged/manifest_parser.h"
#include "storaged/paths.h"
#include "storaged/storage.h"
#include "tests/testing/reason_matchers.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/store_helpers.h"

namespace registry {
namespace {

using ::testing::ElementsAre;
using testing::StatusIs;

MATCHER_P(HasReason, reason, v1::Reason_Name(reason)) {
  *result_listener << testing::GetStatus(arg);
  return ReasonOf(testing::GetStatus(arg)) == reason;
}

class StoresTest : public ::testing::Test {
 protected:
  StoresTest()
      : storage_(std::make_unique<drivers::InMemoryDriver>(),
                 ManifestStoreOptions{1024}),
        repo_(*RepositoryName::Parse("team/app")),
        other_(*RepositoryName::Parse("team/other")) {}

  // Uploads `content` to `repo` and returns its digest.
  Digest Upload(const RepositoryName& repo, const std::string& content) {
    absl::StatusOr<Digest> digest =
        testing::UploadBlob(storage_, repo, content);
    EXPECT_OK(digest);
    return digest.ok() ? *digest : DigestOf(content);
  }

  std::string ImageManifest(const Digest& config, const Digest& layer,
                            const std::string& extra = "") {
    return testing::ImageManifestJson(config, {layer}, extra);
  }

  absl::StatusOr<StoredManifest> PutManifest(const std::string& reference,
                                             const std::string& content) {
    absl::optional<Digest> subject;
    return storage_.manifests.Put(repo_, *Reference::Parse(reference),
                                  kOciManifest, content, &subject);
  }

  Storage storage_;
  RepositoryName repo_;
  RepositoryName other_;
};

TEST_F(StoresTest, ChunkedUploadCommitsAndLinks) {
  absl::StatusOr<UploadState> upload = storage_.uploads.Start(repo_);
  ASSERT_OK(upload);
  for (const char* chunk : {"hello ", "chunked ", "world"}) {
    auto status = storage_.uploads.Status(repo_, upload->id);
    ASSERT_OK(status);
    auto writer =
        storage_.uploads.OpenWriter(repo_, upload->id, status->offset);
    ASSERT_OK(writer);
    ASSERT_OK((*writer)->Append(chunk));
    ASSERT_OK((*writer)->Finish());
  }
  EXPECT_EQ(storage_.uploads.Status(repo_, upload->id)->offset, 19);
  Digest digest = DigestOf("hello chunked world");
  absl::StatusOr<BlobDescriptor> blob =
      storage_.uploads.Commit(repo_, upload->id, digest, 19, "", absl::nullopt);
  ASSERT_OK(blob);
  EXPECT_EQ(blob->size, 19);
  EXPECT_OK(storage_.blobs.Stat(repo_, digest));
  EXPECT_THAT(storage_.blobs.Stat(other_, digest), HasReason(v1::BLOB_UNKNOWN));
  EXPECT_THAT(storage_.uploads.Status(repo_, upload->id),
              HasReason(v1::BLOB_UPLOAD_UNKNOWN));
}

TEST_F(StoresTest, WrongOffsetIsRangeInvalidAndWritesNothing) {
  absl::StatusOr<UploadState> upload = storage_.uploads.Start(repo_);
  ASSERT_OK(upload);
  auto writer = storage_.uploads.OpenWriter(repo_, upload->id, 0);
  ASSERT_OK((*writer)->Append("abc"));
  ASSERT_OK((*writer)->Finish());
  writer->reset();
  for (int64_t offset : {0, 2, 4, 100}) {
    auto bad = storage_.uploads.OpenWriter(repo_, upload->id, offset);
    EXPECT_THAT(bad, StatusIs(absl::StatusCode::kOutOfRange));
    EXPECT_THAT(bad, HasReason(v1::RANGE_INVALID));
    EXPECT_EQ(SubjectOf(bad.status()), "3");
  }
  EXPECT_EQ(storage_.uploads.Status(repo_, upload->id)->offset, 3);
}

TEST_F(StoresTest, CommitVerifiesDigestAndSizeAndKeepsTheUpload) {
  absl::StatusOr<UploadState> upload = storage_.uploads.Start(repo_);
  ASSERT_OK(upload);
  // The whole blob in the final chunk: a mismatch stores nothing at all.
  EXPECT_THAT(storage_.uploads.Commit(repo_, upload->id, DigestOf("other"),
                                      absl::nullopt, "data", 0),
              HasReason(v1::DIGEST_INVALID));
  EXPECT_THAT(storage_.uploads.Commit(repo_, upload->id, DigestOf("data"), 5,
                                      "data", absl::nullopt),
              HasReason(v1::SIZE_INVALID));
  EXPECT_EQ(storage_.uploads.Status(repo_, upload->id)->offset, 0);
  // Data written earlier: mismatches keep the upload and its bytes.
  auto writer = storage_.uploads.OpenWriter(repo_, upload->id, 0);
  ASSERT_OK(writer);
  ASSERT_OK((*writer)->Append("data"));
  ASSERT_OK((*writer)->Finish());
  writer->reset();
  EXPECT_THAT(storage_.uploads.Commit(repo_, upload->id, DigestOf("data"),
                                      absl::nullopt, "more", 0),
              HasReason(v1::RANGE_INVALID));
  EXPECT_THAT(storage_.uploads.Commit(repo_, upload->id, DigestOf("other"),
                                      absl::nullopt, "", 4),
              HasReason(v1::DIGEST_INVALID));
  EXPECT_THAT(
      storage_.uploads.Commit(repo_, upload->id, DigestOf("data"), 5, "", 4),
      HasReason(v1::SIZE_INVALID));
  EXPECT_THAT(storage_.blobs.StatData(DigestOf("data")),
              HasReason(v1::BLOB_UNKNOWN));
  EXPECT_EQ(storage_.uploads.Status(repo_, upload->id)->offset, 4);
  EXPECT_OK(
      storage_.uploads.Commit(repo_, upload->id, DigestOf("data"), 4, "", 4));
  EXPECT_OK(storage_.blobs.Stat(repo_, DigestOf("data")));
}

TEST_F(StoresTest, WholeBlobInTheFinalChunkIsStoredDirectly) {
  absl::StatusOr<UploadState> upload = storage_.uploads.Start(repo_);
  ASSERT_OK(upload);
  ASSERT_OK(storage_.uploads.Commit(repo_, upload->id, DigestOf("direct"), 6,
                                    "direct", absl::nullopt));
  EXPECT_EQ(*storage_.blobs.GetSmall(DigestOf("direct")), "direct");
  EXPECT_OK(storage_.blobs.Stat(repo_, DigestOf("direct")));
  EXPECT_THAT(storage_.uploads.Status(repo_, upload->id),
              HasReason(v1::BLOB_UPLOAD_UNKNOWN));
}

TEST_F(StoresTest, CommitOfAnExistingBlobIsIdempotent) {
  Digest first = Upload(repo_, "same bytes");
  Digest second = Upload(other_, "same bytes");
  EXPECT_EQ(first, second);
  EXPECT_OK(storage_.blobs.Stat(repo_, first));
  EXPECT_OK(storage_.blobs.Stat(other_, first));
}

TEST_F(StoresTest, ResumeHashesATailNoSavedStateCovers) {
  absl::StatusOr<UploadState> upload = storage_.uploads.Start(repo_);
  ASSERT_OK(upload);
  auto writer = storage_.uploads.OpenWriter(repo_, upload->id, 0);
  ASSERT_OK((*writer)->Append("saved "));
  ASSERT_OK((*writer)->Finish());
  writer->reset();
  // A process that died after appending but before saving the hash state.
  auto raw = storage_.driver->Writer(paths::UploadDataPath(repo_, upload->id),
                                     /*append=*/true);
  ASSERT_OK(raw);
  ASSERT_OK((*raw)->Write("unsaved "));
  raw->reset();
  EXPECT_OK(storage_.uploads.Commit(repo_, upload->id,
                                    DigestOf("saved unsaved end"),
                                    absl::nullopt, "end", 14));
}

TEST_F(StoresTest, UnknownAndMalformedUploadIds) {
  for (const char* id :
       {"", "nope", "../../etc", "00000000-0000-4000-8000-000000000000"}) {
    EXPECT_THAT(storage_.uploads.Status(repo_, id),
                HasReason(v1::BLOB_UPLOAD_UNKNOWN))
        << id;
    EXPECT_THAT(storage_.uploads.Cancel(repo_, id),
                HasReason(v1::BLOB_UPLOAD_UNKNOWN));
  }
  absl::StatusOr<UploadState> upload = storage_.uploads.Start(repo_);
  ASSERT_OK(upload);
  EXPECT_THAT(storage_.uploads.Status(other_, upload->id),
              HasReason(v1::BLOB_UPLOAD_UNKNOWN));
  ASSERT_OK(storage_.uploads.Cancel(repo_, upload->id));
  EXPECT_THAT(storage_.uploads.Status(repo_, upload->id),
              HasReason(v1::BLOB_UPLOAD_UNKNOWN));
}

TEST_F(StoresTest, PurgeRemovesOnlyOldUploads) {
  absl::StatusOr<UploadState> upload = storage_.uploads.Start(repo_);
  ASSERT_OK(upload);
  EXPECT_EQ(*storage_.uploads.PurgeOlderThan(absl::Now() - absl::Hours(1)), 0);
  EXPECT_OK(storage_.uploads.Status(repo_, upload->id));
  EXPECT_EQ(*storage_.uploads.PurgeOlderThan(absl::Now() + absl::Seconds(1)),
            1);
  EXPECT_THAT(storage_.uploads.Status(repo_, upload->id),
              HasReason(v1::BLOB_UPLOAD_UNKNOWN));
}

TEST_F(StoresTest, MountLinksWithoutCopyingAndChecksTheSource) {
  Digest digest = Upload(repo_, "layer");
  auto third = *RepositoryName::Parse("third");
  EXPECT_THAT(storage_.blobs.Mount(third, digest, other_),
              HasReason(v1::BLOB_UNKNOWN));
  EXPECT_THAT(storage_.blobs.Stat(third, digest), HasReason(v1::BLOB_UNKNOWN));
  ASSERT_OK(storage_.blobs.Mount(third, digest, repo_));
  EXPECT_OK(storage_.blobs.Stat(third, digest));
  EXPECT_OK(storage_.blobs.Mount(other_, digest, absl::nullopt));
  EXPECT_THAT(storage_.blobs.Mount(other_, DigestOf("missing"), absl::nullopt),
              HasReason(v1::BLOB_UNKNOWN));
  ASSERT_OK(storage_.blobs.Unlink(third, digest));
  EXPECT_THAT(storage_.blobs.Stat(third, digest), HasReason(v1::BLOB_UNKNOWN));
  EXPECT_OK(storage_.blobs.Stat(repo_, digest));  // Others keep it.
}

TEST_F(StoresTest, ManifestMissingABlobLeavesNothingVisible) {
  Digest config = Upload(repo_, "{}");
  std::string manifest = ImageManifest(config, DigestOf("never uploaded"));
  EXPECT_THAT(PutManifest("v1", manifest),
              HasReason(v1::MANIFEST_BLOB_UNKNOWN));
  EXPECT_THAT(storage_.manifests.Get(repo_, *Reference::Parse("v1"), {}),
              HasReason(v1::MANIFEST_UNKNOWN));
  EXPECT_THAT(*storage_.tags.All(repo_), ElementsAre());
  EXPECT_THAT(storage_.blobs.StatData(DigestOf(manifest)),
              HasReason(v1::BLOB_UNKNOWN));
}

TEST_F(StoresTest, ManifestPutGetByTagAndDigestThenDelete) {
  Digest config = Upload(repo_, "{}");
  Digest layer = Upload(repo_, "layer");
  std::string manifest = ImageManifest(config, layer);
  absl::StatusOr<StoredManifest> put = PutManifest("v1", manifest);
  ASSERT_OK(put);
  EXPECT_EQ(put->digest, DigestOf(manifest));
  ASSERT_OK(PutManifest("v2", manifest));
  for (const std::string& ref : {std::string("v1"), put->digest.ToString()}) {
    absl::StatusOr<StoredManifest> got =
        storage_.manifests.Get(repo_, *Reference::Parse(ref), {});
    ASSERT_OK(got);
    EXPECT_EQ(got->content, manifest);
    EXPECT_EQ(got->media_type, kOciManifest);
  }
  EXPECT_THAT(storage_.manifests.Get(repo_, *Reference::Parse("v1"),
                                     {std::string(kOciIndex)}),
              HasReason(v1::MANIFEST_UNKNOWN));
  EXPECT_THAT(storage_.manifests.Get(other_, *Reference::Parse("v1"), {}),
              HasReason(v1::MANIFEST_UNKNOWN));
  EXPECT_THAT(*storage_.tags.All(repo_), ElementsAre("v1", "v2"));
  // Untag one, then delete the manifest: the other tag goes with it.
  ASSERT_OK(storage_.manifests.Delete(repo_, *Reference::Parse("v1")));
  EXPECT_THAT(*storage_.tags.All(repo_), ElementsAre("v2"));
  ASSERT_OK(
      storage_.manifests.Delete(repo_, Reference{absl::nullopt, put->digest}));
  EXPECT_THAT(*storage_.tags.All(repo_), ElementsAre());
  EXPECT_THAT(
      storage_.manifests.Get(repo_, Reference{absl::nullopt, put->digest}, {}),
      HasReason(v1::MANIFEST_UNKNOWN));
  EXPECT_THAT(storage_.manifests.Delete(repo_, *Reference::Parse("v1")),
              HasReason(v1::MANIFEST_UNKNOWN));
}

TEST_F(StoresTest, ManifestRefusals) {
  Digest config = Upload(repo_, "{}");
  Digest layer = Upload(repo_, "layer");
  std::string manifest = ImageManifest(config, layer);
  EXPECT_THAT(PutManifest(DigestOf("other").ToString(), manifest),
              HasReason(v1::DIGEST_INVALID));
  std::string big =
      ImageManifest(config, layer,
                    absl::StrCat(R"(,"annotations":{"pad":")",
                                 std::string(2000, 'x'), R"("})"));
  EXPECT_THAT(PutManifest("big", big), HasReason(v1::TOO_LARGE));
  EXPECT_THAT(PutManifest("bad", "{"), HasReason(v1::MANIFEST_INVALID));
  EXPECT_THAT(*storage_.tags.All(repo_), ElementsAre());
  EXPECT_THAT(storage_.tags.All(*RepositoryName::Parse("never/pushed")),
              HasReason(v1::NAME_UNKNOWN));
}

TEST_F(StoresTest, IndexNeedsItsChildManifests) {
  Digest config = Upload(repo_, "{}");
  Digest layer = Upload(repo_, "layer");
  std::string child = ImageManifest(config, layer);
  std::string index = absl::StrCat(
      R"({"schemaVersion":2,"mediaType":")", kOciIndex,
      R"(","manifests":[{"mediaType":")", kOciManifest, R"(","digest":")",
      DigestOf(child).ToString(), R"(","size":1}]})");
  absl::optional<Digest> subject;
  EXPECT_THAT(storage_.manifests.Put(repo_, *Reference::Parse("multi"),
                                     kOciIndex, index, &subject),
              HasReason(v1::MANIFEST_BLOB_UNKNOWN));
  ASSERT_OK(PutManifest(DigestOf(child).ToString(), child));
  ASSERT_OK(storage_.manifests.Put(repo_, *Reference::Parse("multi"), kOciIndex,
                                   index, &subject));
  EXPECT_EQ(
      storage_.manifests.Get(repo_, *Reference::Parse("multi"), {})->media_type,
      kOciIndex);
}

TEST_F(StoresTest, ReferrersBySubjectWithArtifactTypeFilter) {
  Digest config = Upload(repo_, "{}");
  Digest layer = Upload(repo_, "layer");
  Digest missing_subject = DigestOf("subject that is not pushed yet");
  auto referrer = [&](const std::string& type) {
    return ImageManifest(
        config, layer,
        absl::StrCat(R"(,"artifactType":")", type,
                     R"(","subject":{"mediaType":")", kOciManifest,
                     R"(","digest":")", missing_subject.ToString(),
                     R"(","size":3})"));
  };
  absl::StatusOr<StoredManifest> sbom =
      PutManifest(DigestOf(referrer("application/x-sbom")).ToString(),
                  referrer("application/x-sbom"));
  ASSERT_OK(sbom);
  ASSERT_OK(PutManifest(DigestOf(referrer("application/x-sig")).ToString(),
                        referrer("application/x-sig")));
  auto all = storage_.manifests.Referrers(repo_, missing_subject, "");
  ASSERT_OK(all);
  EXPECT_EQ(all->size(), 2u);
  auto sboms = storage_.manifests.Referrers(repo_, missing_subject,
                                            "application/x-sbom");
  ASSERT_OK(sboms);
  ASSERT_EQ(sboms->size(), 1u);
  EXPECT_EQ((*sboms)[0].digest, sbom->digest);
  EXPECT_EQ((*sboms)[0].artifact_type, "application/x-sbom");
  ASSERT_OK(
      storage_.manifests.Delete(repo_, Reference{absl::nullopt, sbom->digest}));
  EXPECT_EQ(storage_.manifests.Referrers(repo_, missing_subject, "")->size(),
            1u);
  EXPECT_TRUE(
      storage_.manifests.Referrers(repo_, DigestOf("none"), "")->empty());
}

TEST_F(StoresTest, TagPaginationAndCatalog) {
  Digest config = Upload(repo_, "{}");
  Digest layer = Upload(repo_, "layer");
  std::string manifest = ImageManifest(config, layer);
  for (const char* tag : {"c", "a", "b", "d"})
    ASSERT_OK(PutManifest(tag, manifest));
  std::vector<std::string> tags = *storage_.tags.All(repo_);
  EXPECT_THAT(tags, ElementsAre("a", "b", "c", "d"));
  Page page = Paginate(tags, 2, "");
  EXPECT_THAT(page.items, ElementsAre("a", "b"));
  EXPECT_TRUE(page.more);
  page = Paginate(tags, 2, "b");
  EXPECT_THAT(page.items, ElementsAre("c", "d"));
  EXPECT_FALSE(page.more);
  EXPECT_TRUE(Paginate(tags, 0, "").items.empty());
  EXPECT_TRUE(Paginate(tags, 5, "z").items.empty());
  EXPECT_THAT(Paginate(tags, absl::nullopt, "a").items,
              ElementsAre("b", "c", "d"));
  // Only repositories with manifests are in the catalog (Distribution's rule).
  Upload(*RepositoryName::Parse("blobs-only"), "x");
  EXPECT_THAT(*ListRepositories(*storage_.driver), ElementsAre("team/app"));
}

}  // namespace
}  // namespace registry
