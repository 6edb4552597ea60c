#include "storaged/paths.h"

#include "gtest/gtest.h"

namespace registry {
namespace {

constexpr char kHex[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(PathsTest, DistributionV2Layout) {
  Digest d = *Digest::Parse(std::string("sha256:") + kHex);
  RepositoryName name = *RepositoryName::Parse("library/ubuntu");
  Tag tag = *Tag::Parse("latest");
  const std::string repo = "/docker/registry/v2/repositories/library/ubuntu";
  const std::string h = kHex;
  struct {
    std::string got;
    std::string want;
  } cases[] = {
      {paths::BlobDataPath(d),
       "/docker/registry/v2/blobs/sha256/e3/" + h + "/data"},
      {paths::LayerLinkPath(name, d), repo + "/_layers/sha256/" + h + "/link"},
      {paths::ManifestRevisionLinkPath(name, d),
       repo + "/_manifests/revisions/sha256/" + h + "/link"},
      {paths::TagCurrentLinkPath(name, tag),
       repo + "/_manifests/tags/latest/current/link"},
      {paths::TagIndexLinkPath(name, tag, d),
       repo + "/_manifests/tags/latest/index/sha256/" + h + "/link"},
      {paths::UploadDataPath(name, "id"), repo + "/_uploads/id/data"},
      {paths::UploadStartedAtPath(name, "id"), repo + "/_uploads/id/startedat"},
      {paths::UploadHashStatePath(name, "id", 42),
       repo + "/_uploads/id/hashstates/sha256/42"},
      {paths::ReferrerLinkPath(name, d, d),
       repo + "/_referrers/sha256/" + h + "/sha256/" + h + "/link"},
  };
  for (const auto& c : cases) EXPECT_EQ(c.got, c.want);
}

}  // namespace
}  // namespace registry
