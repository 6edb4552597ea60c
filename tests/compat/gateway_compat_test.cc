// Storage compatibility through the whole registry, with skopeo as the
// client: an image pushed to docker-registry 2.8 is pulled byte-identical
// from our registry on the same root, and the reverse.
#include <signal.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/testing/docker_registry_process.h"
#include "tests/testing/gateway_process.h"
#include "tests/testing/oci_layout.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace registry::testing {
namespace {

absl::Status Copy(const std::string& from, const std::string& to) {
  return Skopeo({"copy", "--all", "--src-tls-verify=false",
                 "--dest-tls-verify=false", from, to})
      .status();
}

// A layout with a two-layer amd64 image and an arm64 image under an index.
std::string MakeSource() {
  OciLayout source(NewTempDir("src"));
  absl::StatusOr<OciDescriptor> amd64 =
      source.AddImage({1 << 20, 6 << 20}, "amd64", 1);
  absl::StatusOr<OciDescriptor> arm64 = source.AddImage({2 << 20}, "arm64", 2);
  EXPECT_OK(amd64);
  EXPECT_OK(arm64);
  absl::StatusOr<OciDescriptor> index = source.AddIndex({*amd64, *arm64});
  EXPECT_OK(index);
  source.Tag("v1", *index);
  EXPECT_OK(source.Finish());
  return source.dir();
}

TEST(GatewayCompatTest, OursServesAnImageDockerRegistryStored) {
  std::string root = NewTempDir("root");
  std::string source = MakeSource();
  {
    absl::StatusOr<DockerRegistryProcess> theirs = StartDockerRegistry(root);
    ASSERT_OK(theirs);
    ASSERT_OK(Copy(
        "oci:" + source + ":v1",
        absl::StrCat("docker://127.0.0.1:", theirs->port, "/compat/image:v1")));
    theirs->process->Signal(SIGTERM);
    ASSERT_OK(theirs->process->Wait(absl::Seconds(15)));
  }
  absl::StatusOr<Registry> ours = StartRegistry(root);
  ASSERT_OK(ours);
  std::string back = NewTempDir("back");
  ASSERT_OK(
      Copy(absl::StrCat("docker://", ours->gateway.host, "/compat/image:v1"),
           "oci:" + back + ":v1"));
  EXPECT_EQ(LayoutBlobs(back).size(), 8u);  // 3 layers, 2 configs, 3 manifests.
  EXPECT_EQ(LayoutBlobs(back), LayoutBlobs(source));
}

TEST(GatewayCompatTest, DockerRegistryServesAnImageOursStored) {
  std::string root = NewTempDir("root");
  std::string source = MakeSource();
  {
    absl::StatusOr<Registry> ours = StartRegistry(root);
    ASSERT_OK(ours);
    ASSERT_OK(Copy(
        "oci:" + source + ":v1",
        absl::StrCat("docker://", ours->gateway.host, "/compat/image:v1")));
  }
  absl::StatusOr<DockerRegistryProcess> theirs = StartDockerRegistry(root);
  ASSERT_OK(theirs);
  std::string back = NewTempDir("back");
  ASSERT_OK(Copy(
      absl::StrCat("docker://127.0.0.1:", theirs->port, "/compat/image:v1"),
      "oci:" + back + ":v1"));
  EXPECT_EQ(LayoutBlobs(back).size(), 8u);  // 3 layers, 2 configs, 3 manifests.
  EXPECT_EQ(LayoutBlobs(back), LayoutBlobs(source));
}

}  // namespace
}  // namespace registry::testing
