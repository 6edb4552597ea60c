// Garbage collection beside the reference: a store written through our
// gateway by skopeo is copied twice; docker-registry 2.8's
// `garbage-collect --delete-untagged` collects one copy and
// `storaged gc --delete-untagged --delay=0s` the other; both must leave the
// same blob data files. Then what 2.8 gets wrong (it deletes the untagged
// children of a tagged index, distribution/distribution#3178): ours keeps
// them, and the index still pulls whole.
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/digest.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/gateway_process.h"
#include "tests/testing/oci_layout.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace registry::testing {
namespace {

constexpr char kAccept[] =
    "application/vnd.oci.image.manifest.v1+json,"
    "application/vnd.oci.image.index.v1+json";

absl::Status Copy(const std::string& from, const std::string& to) {
  return Skopeo({"copy", "--all", "--src-tls-verify=false",
                 "--dest-tls-verify=false", from, to})
      .status();
}

// Digests (hex) of every blob data file under a filesystem root.
std::set<std::string> BlobData(const std::string& root) {
  std::set<std::string> out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(
           root + "/docker/registry/v2/blobs")) {
    if (entry.path().filename() == "data") {
      out.insert(entry.path().parent_path().filename().string());
    }
  }
  return out;
}

class GcCompatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = NewTempDir("root");
    absl::StatusOr<Registry> registry = StartRegistry(root_);
    ASSERT_OK(registry);
    registry_ = std::make_unique<Registry>(*std::move(registry));
    http_ =
        std::make_unique<httplib::Client>("http://" + registry_->gateway.host);
  }

  void Push(const std::string& layout, const std::string& tag,
            const std::string& to) {
    ASSERT_OK(
        Copy(absl::StrCat("oci:", layout, ":", tag),
             absl::StrCat("docker://", registry_->gateway.host, "/", to)));
  }

  std::string DigestOfTag(const std::string& repo, const std::string& tag) {
    auto response = http_->Head(absl::StrCat("/v2/", repo, "/manifests/", tag),
                                {{"Accept", kAccept}});
    EXPECT_TRUE(response && response->status == 200);
    return response ? response->get_header_value("Docker-Content-Digest") : "";
  }

  void DeleteManifest(const std::string& repo, const std::string& digest) {
    auto response =
        http_->Delete(absl::StrCat("/v2/", repo, "/manifests/", digest));
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 202);
  }

  // Uploads a blob no manifest names.
  std::string PushOrphan(const std::string& repo, const std::string& content) {
    auto started = http_->Post(absl::StrCat("/v2/", repo, "/blobs/uploads/"),
                               "", "application/octet-stream");
    EXPECT_TRUE(started && started->status == 202);
    if (!started) return "";
    std::string digest = DigestOf(content).ToString();
    std::string location = started->get_header_value("Location");
    const char* separator = location.find('?') == std::string::npos ? "?" : "&";
    auto put = http_->Put(absl::StrCat(location, separator, "digest=", digest),
                          content, "application/octet-stream");
    EXPECT_TRUE(put && put->status == 201);
    return digest;
  }

  // Stops the registry and returns a copy of its root.
  std::string CopyOfRoot(const std::string& name) {
    std::string copy = NewTempDir(name) + "/root";
    EXPECT_OK(RunCommand({"cp", "-a", root_, copy}, absl::Seconds(60)));
    return copy;
  }

  // docker-registry garbage-collect --delete-untagged on `root`.
  static absl::Status CollectWithDockerRegistry(const std::string& root) {
    std::string config = NewTempDir("config") + "/config.yml";
    std::ofstream(config) << "version: 0.1\nstorage:\n  filesystem:\n"
                          << "    rootdirectory: " << root << "\n";
    return RunCommand({"/usr/bin/docker-registry", "garbage-collect",
                       "--delete-untagged", config},
                      absl::Seconds(120))
        .status();
  }

  std::string root_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<httplib::Client> http_;
};

TEST_F(GcCompatTest, LeavesTheBlobsDockerRegistrysGarbageCollectLeaves) {
  OciLayout source(NewTempDir("src"));
  std::vector<OciDescriptor> images;
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    absl::StatusOr<OciDescriptor> image =
        source.AddImage({100000, 50000}, "amd64", seed);
    ASSERT_OK(image);
    source.Tag(absl::StrCat("i", seed), *image);
    images.push_back(*image);
  }
  ASSERT_OK(source.Finish());
  Push(source.dir(), "i1", "team/app:v1");
  Push(source.dir(), "i2", "team/app:v2");
  Push(source.dir(), "i1", "team/web:v1");  // Shared across repositories.
  Push(source.dir(), "i3", "team/app:v1");  // v1 moves: i1 untagged in app.
  Push(source.dir(), "i4", "team/web:old");
  DeleteManifest("team/web", DigestOfTag("team/web", "old"));
  std::string orphan = PushOrphan("team/app", "nobody names me");
  registry_.reset();

  std::string theirs = CopyOfRoot("theirs");
  std::string ours = CopyOfRoot("ours");
  ASSERT_OK(CollectWithDockerRegistry(theirs));
  absl::StatusOr<std::string> summary =
      RunCommand({RunfilePath("storaged/storaged"), "gc", "--root=" + ours,
                  "--delete-untagged", "--delay=0s"},
                 absl::Seconds(120));
  ASSERT_OK(summary);

  std::set<std::string> before = BlobData(root_);
  std::set<std::string> left = BlobData(ours);
  EXPECT_EQ(left, BlobData(theirs));
  // Not vacuous: the image deleted from web and the orphan went; i1 (still
  // tagged in web) stayed.
  EXPECT_LT(left.size(), before.size());
  EXPECT_FALSE(left.count(images[3].digest.substr(7)));
  EXPECT_FALSE(left.count(orphan.substr(7)));
  EXPECT_TRUE(left.count(images[0].digest.substr(7)));
  EXPECT_THAT(*summary, ::testing::HasSubstr("deleted"));
}

TEST_F(GcCompatTest, TheChildrenOfATaggedIndexStay) {
  OciLayout source(NewTempDir("src"));
  absl::StatusOr<OciDescriptor> amd64 = source.AddImage({100000}, "amd64", 1);
  absl::StatusOr<OciDescriptor> arm64 = source.AddImage({100000}, "arm64", 2);
  ASSERT_OK(amd64);
  ASSERT_OK(arm64);
  absl::StatusOr<OciDescriptor> index = source.AddIndex({*amd64, *arm64});
  ASSERT_OK(index);
  source.Tag("v1", *index);
  ASSERT_OK(source.Finish());
  Push(source.dir(), "v1", "team/multi:v1");
  registry_.reset();
  std::string theirs = CopyOfRoot("theirs");
  ASSERT_OK(CollectWithDockerRegistry(theirs));

  ASSERT_OK(RunCommand({RunfilePath("storaged/storaged"), "gc",
                        "--root=" + root_, "--delete-untagged", "--delay=0s"},
                       absl::Seconds(120)));
  absl::StatusOr<Registry> again = StartRegistry(root_);
  ASSERT_OK(again);
  std::string back = NewTempDir("back");
  ASSERT_OK(
      Copy(absl::StrCat("docker://", again->gateway.host, "/team/multi:v1"),
           "oci:" + back + ":v1"));
  EXPECT_EQ(LayoutBlobs(back), LayoutBlobs(source.dir()));
  // The reference lost the children's blobs; ours kept every one.
  EXPECT_EQ(BlobData(root_).size(), 7u);  // 2 layers, 2 configs, 3 manifests.
  EXPECT_LT(BlobData(theirs).size(), BlobData(root_).size());
}

}  // namespace
}  // namespace registry::testing
