// skopeo, a real registry client, against the real storaged + gateway:
// multi-layer OCI images (one layer of 200 MiB), a multi-arch index and a
// Docker schema2 image are copied in and back out byte for byte; inspect,
// list-tags and delete work.
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/gateway_process.h"
#include "tests/testing/oci_layout.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace registry::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

class SkopeoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<Registry> registry = StartRegistry(NewTempDir("root"));
    ASSERT_OK(registry);
    registry_ = *std::move(registry);
  }

  std::string Ref(const std::string& repo_and_tag) {
    return absl::StrCat("docker://", registry_.gateway.host, "/", repo_and_tag);
  }

  Registry registry_;
};

TEST_F(SkopeoTest, MultiLayerOciImageRoundTripsByteIdentical) {
  OciLayout source(NewTempDir("src"));
  absl::StatusOr<OciDescriptor> image =
      source.AddImage({4 << 10, 8 << 20, 200 << 20}, "amd64", 1);
  ASSERT_OK(image);
  source.Tag("v1", *image);
  ASSERT_OK(source.Finish());

  ASSERT_OK(Skopeo({"copy", "--dest-tls-verify=false",
                    "oci:" + source.dir() + ":v1", Ref("team/app:v1")}));
  ASSERT_OK(Skopeo({"copy", "--dest-tls-verify=false",
                    "oci:" + source.dir() + ":v1", Ref("team/app:v2")}));

  std::string back = NewTempDir("back");
  ASSERT_OK(Skopeo({"copy", "--src-tls-verify=false", Ref("team/app:v1"),
                    "oci:" + back + ":v1"}));
  EXPECT_EQ(LayoutBlobs(back).size(), 5u);  // 3 layers, config, manifest.
  EXPECT_EQ(LayoutBlobs(back), LayoutBlobs(source.dir()));

  absl::StatusOr<std::string> raw =
      Skopeo({"inspect", "--raw", "--tls-verify=false", Ref("team/app:v1")});
  ASSERT_OK(raw);
  std::string pushed =
      ReadFile(source.dir() + "/blobs/sha256/" + image->digest.substr(7));
  EXPECT_EQ(*raw, pushed);
  absl::StatusOr<std::string> inspect =
      Skopeo({"inspect", "--tls-verify=false", Ref("team/app:v1")});
  ASSERT_OK(inspect);
  EXPECT_THAT(*inspect, HasSubstr(image->digest));
  absl::StatusOr<std::string> tags =
      Skopeo({"list-tags", "--tls-verify=false",
              absl::StrCat("docker://", registry_.gateway.host, "/team/app")});
  ASSERT_OK(tags);
  EXPECT_THAT(*tags, HasSubstr("\"v1\""));
  EXPECT_THAT(*tags, HasSubstr("\"v2\""));

  // Deleting the manifest (by digest, as skopeo does) removes both tags.
  ASSERT_OK(Skopeo({"delete", "--tls-verify=false", Ref("team/app:v1")}));
  EXPECT_FALSE(
      Skopeo({"inspect", "--raw", "--tls-verify=false", Ref("team/app:v2")})
          .ok());
  tags =
      Skopeo({"list-tags", "--tls-verify=false",
              absl::StrCat("docker://", registry_.gateway.host, "/team/app")});
  ASSERT_OK(tags);
  EXPECT_THAT(*tags, Not(HasSubstr("\"v1\"")));
}

TEST_F(SkopeoTest, MultiArchIndexRoundTrips) {
  OciLayout source(NewTempDir("src"));
  absl::StatusOr<OciDescriptor> amd64 =
      source.AddImage({1 << 20, 3 << 20}, "amd64", 10);
  absl::StatusOr<OciDescriptor> arm64 = source.AddImage({2 << 20}, "arm64", 20);
  ASSERT_OK(amd64);
  ASSERT_OK(arm64);
  absl::StatusOr<OciDescriptor> index = source.AddIndex({*amd64, *arm64});
  ASSERT_OK(index);
  source.Tag("multi", *index);
  ASSERT_OK(source.Finish());

  ASSERT_OK(Skopeo({"copy", "--all", "--dest-tls-verify=false",
                    "oci:" + source.dir() + ":multi", Ref("multi/arch:1")}));
  absl::StatusOr<std::string> raw =
      Skopeo({"inspect", "--raw", "--tls-verify=false", Ref("multi/arch:1")});
  ASSERT_OK(raw);
  EXPECT_EQ(*raw, ReadFile(source.dir() + "/blobs/sha256/" +
                           index->digest.substr(7)));
  std::string back = NewTempDir("back");
  ASSERT_OK(Skopeo({"copy", "--all", "--src-tls-verify=false",
                    Ref("multi/arch:1"), "oci:" + back + ":multi"}));
  EXPECT_EQ(LayoutBlobs(back).size(), 8u);  // 3 layers, 2 configs, 3 manifests.
  EXPECT_EQ(LayoutBlobs(back), LayoutBlobs(source.dir()));
}

TEST_F(SkopeoTest, DockerSchema2ImageRoundTrips) {
  OciLayout source(NewTempDir("src"));
  absl::StatusOr<OciDescriptor> image =
      source.AddImage({1 << 20, 5 << 20}, "amd64", 30);
  ASSERT_OK(image);
  source.Tag("v1", *image);
  ASSERT_OK(source.Finish());
  // skopeo converts the manifest to Docker schema2 on the way in.
  ASSERT_OK(Skopeo({"copy", "--format", "v2s2", "--dest-tls-verify=false",
                    "oci:" + source.dir() + ":v1", Ref("docker/image:v1")}));
  absl::StatusOr<std::string> raw = Skopeo(
      {"inspect", "--raw", "--tls-verify=false", Ref("docker/image:v1")});
  ASSERT_OK(raw);
  EXPECT_THAT(
      *raw, HasSubstr("application/vnd.docker.distribution.manifest.v2+json"));
  std::string first = NewTempDir("dir1");
  std::string second = NewTempDir("dir2");
  ASSERT_OK(Skopeo({"copy", "--src-tls-verify=false", Ref("docker/image:v1"),
                    "dir:" + first}));
  EXPECT_EQ(ReadFile(first + "/manifest.json"), *raw);
  // A second pull gives the same bytes.
  ASSERT_OK(Skopeo({"copy", "--src-tls-verify=false", Ref("docker/image:v1"),
                    "dir:" + second}));
  EXPECT_EQ(ReadFile(second + "/manifest.json"), *raw);
}

}  // namespace
}  // namespace registry::testing
