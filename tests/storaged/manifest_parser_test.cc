#include "storaged/manifest_parser.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "gtest/gtest.h"

namespace registry {
namespace {

const std::string kA = "sha256:" + std::string(64, 'a');
const std::string kB = "sha256:" + std::string(64, 'b');
const std::string kC = "sha256:" + std::string(64, 'c');

std::string Desc(absl::string_view type, const std::string& digest,
                 const std::string& extra = "") {
  return absl::StrCat(R"({"mediaType":")", type, R"(","digest":")", digest,
                      R"(","size":10)", extra, "}");
}

std::string Image(const std::string& extra = "") {
  return absl::StrCat(
      R"({"schemaVersion":2,"mediaType":")", kOciManifest, R"(","config":)",
      Desc("application/vnd.oci.image.config.v1+json", kA), R"(,"layers":[)",
      Desc("application/vnd.oci.image.layer.v1.tar+gzip", kB), ",",
      Desc("application/vnd.oci.image.layer.v1.tar", kC,
           R"(,"urls":["https://example.com/l"])"),
      "]", extra, "}");
}

TEST(ManifestParserTest, ImageManifestListsBlobsButNotForeignLayers) {
  absl::StatusOr<ParsedManifest> parsed = ParseManifest(Image(), kOciManifest);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->media_type, kOciManifest);
  ASSERT_EQ(parsed->blobs.size(), 2u);
  EXPECT_EQ(parsed->blobs[0].ToString(), kA);
  EXPECT_EQ(parsed->blobs[1].ToString(), kB);
  EXPECT_EQ(parsed->artifact_type, "application/vnd.oci.image.config.v1+json");
  EXPECT_FALSE(parsed->subject.has_value());
}

TEST(ManifestParserTest, SubjectArtifactTypeAndAnnotations) {
  absl::StatusOr<ParsedManifest> parsed =
      ParseManifest(Image(absl::StrCat(
                        R"(,"artifactType":"application/x-sbom","subject":)",
                        Desc(kOciManifest, kC), R"(,"annotations":{"k":"v"})")),
                    "");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_TRUE(parsed->subject.has_value());
  EXPECT_EQ(parsed->subject->ToString(), kC);
  EXPECT_EQ(parsed->artifact_type, "application/x-sbom");
  EXPECT_EQ(parsed->annotations.at("k"), "v");
}

TEST(ManifestParserTest, IndexListsChildManifests) {
  std::string index =
      absl::StrCat(R"({"schemaVersion":2,"manifests":[)",
                   Desc(kOciManifest, kA), ",", Desc(kOciManifest, kB), "]}");
  absl::StatusOr<ParsedManifest> parsed = ParseManifest(index, kOciIndex);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->media_type, kOciIndex);
  EXPECT_EQ(parsed->manifests.size(), 2u);
  EXPECT_TRUE(parsed->blobs.empty());
  // Without mediaType or Content-Type the shape decides.
  EXPECT_EQ(ParseManifest(index, "")->media_type, kOciIndex);
}

TEST(ManifestParserTest, RejectsInvalidManifests) {
  struct {
    std::string content;
    std::string declared;
    v1::Reason reason;
  } cases[] = {
      {"not json", std::string(kOciManifest), v1::MANIFEST_INVALID},
      {"[]", std::string(kOciManifest), v1::MANIFEST_INVALID},
      {R"({"schemaVersion":1,"name":"x"})",
       "application/vnd.docker.distribution.manifest.v1+prettyjws",
       v1::MANIFEST_INVALID},
      {R"({"schemaVersion":1})", "", v1::MANIFEST_INVALID},
      {R"({"mediaType":"x"})", "", v1::MANIFEST_INVALID},
      {Image(), std::string(kDockerManifest),
       v1::MANIFEST_INVALID},  // Type mismatch.
      {R"({"schemaVersion":2,"mediaType":"application/x-unknown"})", "",
       v1::MANIFEST_INVALID},
      {absl::StrCat(R"({"schemaVersion":2,"config":)",
                    Desc("a/b", "sha256:short"), "}"),
       "", v1::DIGEST_INVALID},
      {R"({"schemaVersion":2,"config":{"mediaType":"a/b","digest":")" + kA +
           R"(","size":-1}})",
       "", v1::MANIFEST_INVALID},
      {R"({"schemaVersion":2,"manifests":{}})", std::string(kOciIndex),
       v1::MANIFEST_INVALID},
  };
  for (const auto& c : cases) {
    absl::StatusOr<ParsedManifest> parsed =
        ParseManifest(c.content, c.declared);
    EXPECT_FALSE(parsed.ok()) << c.content;
    EXPECT_EQ(ReasonOf(parsed.status()), c.reason)
        << c.content << " -> " << parsed.status();
  }
}

TEST(ManifestParserTest, AcceptsHonoursWildcards) {
  EXPECT_TRUE(Accepts({}, kOciIndex));
  EXPECT_TRUE(Accepts({std::string(kOciIndex) + "; q=0.5"}, kOciIndex));
  EXPECT_TRUE(Accepts({"*/*"}, kOciIndex));
  EXPECT_FALSE(Accepts({std::string(kDockerManifest)}, kOciIndex));
}

}  // namespace
}  // namespace registry
