// Garbage collection: the mark of one repository on fixtures, and whole
// collections on the in-memory driver, including the sweep fence against
// claims that race a sweep.
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "drivers/inmemory/inmemory_driver.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storaged/gc/collector.h"
#include "storaged/gc/reachability.h"
#include "storaged/paths.h"
#include "storaged/storage.h"
#include "storaged/sweep_fence.h"
#include "tests/testing/reason_matchers.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/store_helpers.h"

namespace registry {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::StatusIs;
using ::testing::UnorderedElementsAre;

Digest D(const std::string& seed) { return DigestOf(seed); }

// ---- The mark of one repository ----

class MarkTest : public ::testing::Test {
 protected:
  gc::Revision& Add(const std::string& seed, absl::Time mod_time) {
    gc::Revision& revision = manifests_.revisions[D(seed)];
    revision.mod_time = mod_time;
    return revision;
  }

  gc::RepositoryMark Mark(bool delete_untagged, bool delete_referrers = false) {
    gc::MarkRules rules;
    rules.delete_untagged = delete_untagged;
    rules.delete_referrers = delete_referrers;
    rules.cutoff = now_ - absl::Hours(1);
    return gc::MarkRepository(manifests_, rules);
  }

  const absl::Time now_ = absl::Now();
  const absl::Time old_ = now_ - absl::Hours(2);
  gc::RepositoryManifests manifests_;
};

TEST_F(MarkTest, AnIndexKeepsItsChildren) {
  Add("index", old_).children = {D("amd64"), D("arm64")};
  Add("amd64", old_);
  Add("arm64", old_);
  Add("orphan", old_);
  manifests_.tags.emplace("v1", D("index"));
  gc::RepositoryMark mark = Mark(/*delete_untagged=*/true);
  EXPECT_THAT(mark.kept,
              UnorderedElementsAre(D("index"), D("amd64"), D("arm64")));
  EXPECT_THAT(mark.deleted, ElementsAre(D("orphan")));
}

TEST_F(MarkTest, WithoutDeleteUntaggedEveryRevisionIsKept) {
  Add("tagged", old_);
  Add("untagged", old_);
  manifests_.tags.emplace("latest", D("tagged"));
  gc::RepositoryMark mark = Mark(/*delete_untagged=*/false);
  EXPECT_THAT(mark.kept, UnorderedElementsAre(D("tagged"), D("untagged")));
  EXPECT_THAT(mark.deleted, IsEmpty());
}

TEST_F(MarkTest, AMovedTagLeavesItsOldManifestUntagged) {
  Add("v1-old", old_);
  Add("v1-new", old_);
  manifests_.tags.emplace("v1", D("v1-new"));
  gc::RepositoryMark mark = Mark(/*delete_untagged=*/true);
  EXPECT_THAT(mark.kept, ElementsAre(D("v1-new")));
  EXPECT_THAT(mark.deleted, ElementsAre(D("v1-old")));
}

TEST_F(MarkTest, ReferrersOfKeptManifestsAreKeptUnlessThePolicyDeletesThem) {
  Add("image", old_);
  Add("signature", old_).subject = D("image");
  Add("sbom-of-signature", old_).subject = D("signature");
  Add("gone-image", old_);
  Add("orphan-signature", old_).subject = D("gone-image");
  manifests_.tags.emplace("v1", D("image"));
  gc::RepositoryMark mark = Mark(/*delete_untagged=*/true);
  EXPECT_THAT(mark.kept, UnorderedElementsAre(D("image"), D("signature"),
                                              D("sbom-of-signature")));
  EXPECT_THAT(mark.deleted,
              UnorderedElementsAre(D("gone-image"), D("orphan-signature")));
  mark = Mark(/*delete_untagged=*/true, /*delete_referrers=*/true);
  EXPECT_THAT(mark.kept, ElementsAre(D("image")));
}

TEST_F(MarkTest, YoungRevisionsAndWhatTheyNameAreKept) {
  Add("young-index", now_).children = {D("old-child")};
  Add("old-child", old_);
  Add("old-orphan", old_);
  gc::RepositoryMark mark = Mark(/*delete_untagged=*/true);
  EXPECT_THAT(mark.kept,
              UnorderedElementsAre(D("young-index"), D("old-child")));
  EXPECT_THAT(mark.deleted, ElementsAre(D("old-orphan")));
}

// ---- Retention rules ----

TEST(RetentionTest, GlobsMatchWithinAndAcrossComponents) {
  auto glob = [](const std::string& text) {
    return *gc::RepositoryGlob::Parse(text);
  };
  EXPECT_TRUE(glob("team/*").Matches("team/app"));
  EXPECT_FALSE(glob("team/*").Matches("team/app/sub"));
  EXPECT_TRUE(glob("team/**").Matches("team/app/sub"));
  EXPECT_TRUE(glob("**").Matches("a/b/c"));
  EXPECT_TRUE(glob("*/app").Matches("team/app"));
  EXPECT_FALSE(glob("*/app").Matches("x/team/app"));
  EXPECT_TRUE(glob("app-?").Matches("app-1"));
  EXPECT_FALSE(glob("app-?").Matches("app-12"));
  EXPECT_FALSE(glob("team").Matches("team/app"));
  EXPECT_FALSE(gc::RepositoryGlob::Parse("").ok());
  EXPECT_FALSE(gc::RepositoryGlob::Parse("team/{a,b}").ok());
  EXPECT_FALSE(gc::RepositoryGlob::Parse("a/***").ok());
}

TEST(RetentionTest, ATagIsKeptWhenAnyRuleKeepsIt) {
  const absl::Time now = absl::Now();
  std::map<std::string, absl::Time> pushed = {
      {"v1", now - absl::Hours(100)},   {"v2", now - absl::Hours(90)},
      {"dev-1", now - absl::Hours(80)}, {"dev-2", now - absl::Hours(2)},
      {"dev-3", now - absl::Hours(1)},  {"latest", now - absl::Hours(70)},
  };
  gc::RetentionPolicy policy;
  ASSERT_OK(policy.AddPattern("^v[0-9]+$"));
  policy.most_recent = 1;
  policy.pushed_within = absl::Hours(3);
  EXPECT_THAT(gc::TagsToDelete(policy, pushed, now),
              ElementsAre("dev-1", "latest"));
  policy.pushed_within.reset();
  EXPECT_THAT(gc::TagsToDelete(policy, pushed, now),
              ElementsAre("dev-1", "dev-2", "latest"));
  // No rules: every tag stays.
  EXPECT_THAT(gc::TagsToDelete(gc::RetentionPolicy{}, pushed, now), IsEmpty());
}

// ---- Whole collections ----

class CollectTest : public ::testing::Test {
 protected:
  CollectTest()
      : storage_(std::make_unique<drivers::InMemoryDriver>(),
                 ManifestStoreOptions{1 << 20}),
        app_(*RepositoryName::Parse("team/app")),
        web_(*RepositoryName::Parse("team/web")) {}

  Digest Upload(const RepositoryName& repo, const std::string& content) {
    absl::StatusOr<Digest> digest =
        testing::UploadBlob(storage_, repo, content);
    EXPECT_OK(digest);
    return DigestOf(content);
  }

  // Pushes an image of a config and `layers` (contents) to repo:reference.
  Digest PushImage(const RepositoryName& repo, const std::string& reference,
                   const std::vector<std::string>& layers,
                   const std::string& extra = "") {
    Digest config = Upload(repo, absl::StrCat("config of ", reference));
    std::vector<Digest> digests;
    for (const std::string& layer : layers) {
      digests.push_back(Upload(repo, layer));
    }
    return Put(repo, reference,
               testing::ImageManifestJson(config, digests, extra));
  }

  Digest Put(const RepositoryName& repo, const std::string& reference,
             const std::string& content) {
    absl::optional<Digest> subject;
    absl::StatusOr<StoredManifest> stored = storage_.manifests.Put(
        repo, *Reference::Parse(reference), "", content, &subject);
    EXPECT_OK(stored);
    return DigestOf(content);
  }

  absl::StatusOr<gc::Report> Collect(
      bool delete_untagged, absl::Duration delay = absl::ZeroDuration(),
      bool dry_run = false) {
    gc::Options options;
    options.delete_untagged = delete_untagged;
    options.delay = delay;
    options.dry_run = dry_run;
    options.on_delete = [&](const gc::Deletion& deletion) {
      deleted_.push_back(absl::StrCat(deletion.kind, " ", deletion.subject));
    };
    options.after_mark = after_mark_;
    options.retention = retention_;
    return gc::Collect(*storage_.driver, options);
  }

  bool Stored(const std::string& content) {
    return storage_.blobs.StatData(DigestOf(content)).ok();
  }
  bool Linked(const RepositoryName& repo, const std::string& content) {
    return storage_.driver->Stat(paths::LayerLinkPath(repo, DigestOf(content)))
        .ok();
  }

  Storage storage_;
  const RepositoryName app_;
  const RepositoryName web_;
  std::vector<std::string> deleted_;
  std::function<void(const std::string&)> after_mark_;
  std::vector<gc::RetentionPolicy> retention_;
};

TEST_F(CollectTest, ALayerSharedWithAnotherRepositoryStays) {
  Digest app = PushImage(app_, "v1", {"shared layer", "app layer"});
  PushImage(web_, "v1", {"shared layer", "web layer"});
  ASSERT_OK(storage_.manifests.Delete(app_, *Reference::Parse(app.ToString())));

  absl::StatusOr<gc::Report> report = Collect(/*delete_untagged=*/true);
  ASSERT_OK(report);
  EXPECT_TRUE(Stored("shared layer"));
  EXPECT_TRUE(Stored("web layer"));
  EXPECT_FALSE(Stored("app layer"));
  EXPECT_FALSE(storage_.blobs.StatData(app).ok());
  // The deleted blob's link went with it; the shared layer's stays.
  EXPECT_FALSE(Linked(app_, "app layer"));
  EXPECT_TRUE(Linked(app_, "shared layer"));
  EXPECT_EQ(report->blobs_deleted, 2);  // The app layer and app's manifest.
  EXPECT_EQ(report->links_deleted, 1);
  // Web still pulls whole.
  ASSERT_OK(storage_.manifests.Get(web_, *Reference::Parse("v1"), {}));
  EXPECT_OK(storage_.blobs.Stat(web_, DigestOf("shared layer")));
}

TEST_F(CollectTest, DeleteUntaggedDecidesAboutUntaggedManifests) {
  Digest old = PushImage(app_, "v1", {"old layer"});
  PushImage(app_, "v1", {"new layer"});  // The tag moves.

  ASSERT_OK(Collect(/*delete_untagged=*/false));
  EXPECT_TRUE(Stored("old layer"));
  ASSERT_OK(
      storage_.manifests.Get(app_, *Reference::Parse(old.ToString()), {}));

  absl::StatusOr<gc::Report> report = Collect(/*delete_untagged=*/true);
  ASSERT_OK(report);
  EXPECT_EQ(report->manifests_deleted, 1);
  EXPECT_FALSE(Stored("old layer"));
  EXPECT_TRUE(Stored("new layer"));
  EXPECT_THAT(
      storage_.manifests.Get(app_, *Reference::Parse(old.ToString()), {}),
      testing::HasReason(v1::MANIFEST_UNKNOWN));
  // Its tag history entry went too.
  EXPECT_THAT(storage_.driver->Stat(
                  paths::TagIndexLinkPath(app_, *Tag::Parse("v1"), old)),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(CollectTest, AnIndexKeepsItsChildrenAndReferrersTheirBlobs) {
  // Children pushed by digest, then the index by tag (as clients do).
  auto by_digest = [&](const std::string& seed) {
    Digest config = Upload(app_, absl::StrCat("config ", seed));
    Digest layer = Upload(app_, absl::StrCat("layer ", seed));
    std::string json = testing::ImageManifestJson(config, {layer});
    return Put(app_, DigestOf(json).ToString(), json);
  };
  Digest amd64 = by_digest("amd64");
  Digest arm64 = by_digest("arm64");
  Put(app_, "v1", testing::IndexJson({amd64, arm64}));
  Digest gone = by_digest("gone");
  // A signature of a kept child, and one of the untagged image.
  auto signature = [&](const Digest& subject) {
    Digest config = Upload(app_, absl::StrCat("sig config ", subject.hex()));
    std::string json = testing::ImageManifestJson(
        config, {},
        absl::StrCat(R"(,"subject":{"mediaType":")", kOciManifest,
                     R"(","digest":")", subject.ToString(), R"(","size":10})"));
    return Put(app_, DigestOf(json).ToString(), json);
  };
  Digest kept_signature = signature(amd64);
  Digest gone_signature = signature(gone);

  absl::StatusOr<gc::Report> report = Collect(/*delete_untagged=*/true);
  ASSERT_OK(report);
  EXPECT_EQ(report->manifests_kept, 4);  // Index, two children, signature.
  EXPECT_EQ(report->manifests_deleted, 2);
  for (const char* kept : {"layer amd64", "config arm64", "layer arm64"}) {
    EXPECT_TRUE(Stored(kept)) << kept;
  }
  EXPECT_TRUE(storage_.blobs.StatData(kept_signature).ok());
  EXPECT_FALSE(Stored("layer gone"));
  EXPECT_FALSE(storage_.blobs.StatData(gone_signature).ok());
  absl::StatusOr<std::vector<Referrer>> referrers =
      storage_.manifests.Referrers(app_, amd64, "");
  ASSERT_OK(referrers);
  ASSERT_EQ(referrers->size(), 1u);
  EXPECT_EQ((*referrers)[0].digest, kept_signature);
  EXPECT_THAT(storage_.driver->Stat(
                  paths::ReferrerLinkPath(app_, gone, gone_signature)),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(CollectTest, YoungContentIsKept) {
  Upload(app_, "orphan");
  absl::StatusOr<gc::Report> report =
      Collect(/*delete_untagged=*/true, absl::Hours(1));
  ASSERT_OK(report);
  EXPECT_TRUE(Stored("orphan"));
  EXPECT_EQ(report->blobs_young, 1);
  ASSERT_OK(Collect(/*delete_untagged=*/true));
  EXPECT_FALSE(Stored("orphan"));
  EXPECT_FALSE(Linked(app_, "orphan"));
}

TEST_F(CollectTest, ADryRunDeletesNothingAndNamesWhatARunDeletes) {
  Digest gone = PushImage(app_, "v1", {"gone layer"});
  PushImage(app_, "v1", {"kept layer"});
  Upload(web_, "orphan");

  absl::StatusOr<gc::Report> dry =
      Collect(/*delete_untagged=*/true, absl::ZeroDuration(), /*dry=*/true);
  ASSERT_OK(dry);
  std::vector<std::string> would = deleted_;
  EXPECT_TRUE(Stored("gone layer"));
  EXPECT_TRUE(Stored("orphan"));
  ASSERT_OK(
      storage_.manifests.Get(app_, *Reference::Parse(gone.ToString()), {}));

  deleted_.clear();
  absl::StatusOr<gc::Report> run = Collect(/*delete_untagged=*/true);
  ASSERT_OK(run);
  // Collections work on several repositories and prefixes at once: the
  // order of deletions varies, the set does not.
  EXPECT_THAT(deleted_, ::testing::UnorderedElementsAreArray(would));
  EXPECT_EQ(run->blobs_deleted, dry->blobs_deleted);
  EXPECT_EQ(run->bytes_deleted, dry->bytes_deleted);
  EXPECT_THAT(would, ::testing::Contains(absl::StrCat(
                         "blob ", DigestOf("gone layer").ToString())));
  EXPECT_THAT(would, ::testing::Contains(
                         absl::StrCat("blob ", DigestOf("orphan").ToString())));
  EXPECT_FALSE(Stored("orphan"));
}

// The fence: a claim that lands after a sweep listed its candidates but
// before it read the claims again keeps the blob.
TEST_F(CollectTest, AClaimDuringTheSweepKeepsTheBlob) {
  Digest orphan = Upload(app_, "orphan");
  after_mark_ = [&](const std::string& unit) {
    if (unit != paths::SweepUnitOf(orphan)) return;
    // What a HEAD does meanwhile: the claim sees the mark and is refused...
    EXPECT_THAT(storage_.blobs.StatAndTouch(app_, orphan),
                testing::HasReason(v1::BLOB_UNKNOWN));
  };
  ASSERT_OK(Collect(/*delete_untagged=*/true));
  // ...yet its touch made the blob young before the sweep looked again.
  EXPECT_TRUE(Stored("orphan"));
  EXPECT_TRUE(Linked(app_, "orphan"));
}

TEST_F(CollectTest, AMarkedBlobCannotBeReusedUntilTheSweepEnds) {
  Digest layer = Upload(app_, "layer");
  Digest config = Upload(app_, "config");
  const std::string unit = paths::SweepUnitOf(layer);
  ASSERT_OK(storage_.driver->PutContent(paths::GcClockPath("test"), ""));
  absl::StatusOr<drivers::PathLockPtr> sweep =
      storage_.driver->Lock(paths::SweepLockPath(unit), absl::ZeroDuration());
  ASSERT_OK(sweep);
  ASSERT_OK(storage_.driver->PutContent(paths::SweepMarkPath(unit),
                                        FormatSweepMark({layer.hex()})));

  // A manifest naming it, a mount of it and a HEAD are refused...
  absl::optional<Digest> subject;
  EXPECT_THAT(storage_.manifests.Put(
                  app_, *Reference::Parse("v1"), "",
                  testing::ImageManifestJson(config, {layer}), &subject),
              testing::HasReason(v1::MANIFEST_BLOB_UNKNOWN));
  EXPECT_THAT(storage_.blobs.Mount(web_, layer, app_),
              testing::HasReason(v1::BLOB_UNKNOWN));
  EXPECT_THAT(storage_.blobs.StatAndTouch(app_, layer),
              testing::HasReason(v1::BLOB_UNKNOWN));
  // ...and an upload of it waits for the sweep to end.
  std::thread release([&] {
    absl::SleepFor(absl::Milliseconds(300));  // The sweep's work.
    ASSERT_OK(storage_.driver->Delete(paths::SweepMarkPath(unit)));
    sweep->reset();
  });
  absl::Time start = absl::Now();
  EXPECT_OK(testing::UploadBlob(storage_, web_, "layer"));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(250));
  release.join();
  EXPECT_OK(storage_.blobs.Stat(web_, layer));
}

TEST_F(CollectTest, AMarkLeftByADeadCollectorIsCleared) {
  Digest layer = Upload(app_, "layer");
  const std::string unit = paths::SweepUnitOf(layer);
  ASSERT_OK(storage_.driver->PutContent(paths::SweepMarkPath(unit),
                                        FormatSweepMark({layer.hex()})));
  // Nobody holds the unit's lock: the claim clears the mark.
  EXPECT_OK(storage_.blobs.StatAndTouch(app_, layer));
  EXPECT_THAT(storage_.driver->Stat(paths::SweepMarkPath(unit)),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(CollectTest, AManifestThatCannotBeParsedStopsTheSweep) {
  Upload(app_, "orphan");
  Digest bad = DigestOf("not json");
  ASSERT_OK(storage_.blobs.PutSmall(bad, "not json"));
  ASSERT_OK(storage_.driver->PutContent(
      paths::ManifestRevisionLinkPath(app_, bad), bad.ToString()));
  EXPECT_THAT(Collect(/*delete_untagged=*/false),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_TRUE(Stored("orphan"));
}

TEST_F(CollectTest, RetentionKeepsExactlyWhatItNames) {
  for (int i = 0; i < 12; ++i) {
    PushImage(app_, absl::StrCat("build-", i), {absl::StrCat("app ", i)});
    PushImage(web_, absl::StrCat("build-", i), {absl::StrCat("web ", i)});
  }
  PushImage(app_, "v1.0", {"release"});
  gc::RetentionPolicy policy;
  policy.repositories.push_back(*gc::RepositoryGlob::Parse("team/app"));
  ASSERT_OK(policy.AddPattern("^v"));
  policy.most_recent = 4;  // v1.0 (newest) and build-9..11.
  policy.delete_untagged = true;
  retention_ = {policy};

  absl::StatusOr<gc::Report> dry =
      Collect(/*delete_untagged=*/false, absl::ZeroDuration(), /*dry=*/true);
  ASSERT_OK(dry);
  std::vector<std::string> would = deleted_;
  ASSERT_OK(storage_.tags.All(app_));
  EXPECT_EQ(storage_.tags.All(app_)->size(), 13u);  // Nothing deleted yet.

  deleted_.clear();
  absl::StatusOr<gc::Report> run = Collect(/*delete_untagged=*/false);
  ASSERT_OK(run);
  // Collections work on several repositories and prefixes at once: the
  // order of deletions varies, the set does not.
  EXPECT_THAT(deleted_, ::testing::UnorderedElementsAreArray(would));
  EXPECT_EQ(run->tags_deleted, 9);
  EXPECT_EQ(dry->tags_deleted, 9);
  EXPECT_THAT(*storage_.tags.All(app_),
              ElementsAre("build-10", "build-11", "build-9", "v1.0"));
  EXPECT_EQ(storage_.tags.All(web_)->size(), 12u);  // No policy: all kept.
  EXPECT_FALSE(Stored("app 0"));
  EXPECT_TRUE(Stored("app 9"));
  EXPECT_TRUE(Stored("release"));
  EXPECT_TRUE(Stored("web 0"));
  EXPECT_THAT(would, ::testing::Contains("tag team/app:build-0"));
}

TEST_F(CollectTest, ConcurrentCollectionsKeepWhatIsReachable) {
  for (int i = 0; i < 20; ++i) {
    PushImage(app_, absl::StrCat("t", i),
              {absl::StrCat("layer ", i), "shared"});
    Upload(web_, absl::StrCat("orphan ", i));
  }
  std::vector<std::thread> collectors;
  std::vector<absl::Status> results(4);
  for (int i = 0; i < 4; ++i) {
    collectors.emplace_back(
        [&, i] { results[i] = Collect(/*delete_untagged=*/true).status(); });
  }
  for (std::thread& t : collectors) t.join();
  for (const absl::Status& status : results) EXPECT_OK(status);
  for (int i = 0; i < 20; ++i) {
    EXPECT_TRUE(Stored(absl::StrCat("layer ", i)));
    EXPECT_FALSE(Stored(absl::StrCat("orphan ", i)));
  }
  EXPECT_TRUE(Stored("shared"));
}

}  // namespace
}  // namespace registry
