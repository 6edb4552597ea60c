#include "common/names.h"

#include <string>

#include "common/errors.h"
#include "gtest/gtest.h"

namespace registry {
namespace {

TEST(RepositoryNameTest, AcceptsTheGrammar) {
  for (const std::string& name :
       {std::string("a"), std::string("library/ubuntu"),
        std::string("a.b_c__d---e/f0"), std::string("x/y/z/w"),
        std::string(255, 'a')}) {
    EXPECT_TRUE(RepositoryName::Parse(name).ok()) << name;
  }
}

TEST(RepositoryNameTest, RejectsOutsideTheGrammar) {
  for (const std::string& name :
       {std::string(""), std::string("A"), std::string("a/"), std::string("/a"),
        std::string("a//b"), std::string("a_"), std::string("-a"),
        std::string("a..b"), std::string("a___b"), std::string("a.-b"),
        std::string("a b"), std::string("_uploads"),
        std::string("a/_manifests"), std::string("a/../b"),
        std::string(256, 'a')}) {
    absl::StatusOr<RepositoryName> parsed = RepositoryName::Parse(name);
    EXPECT_FALSE(parsed.ok()) << name;
    EXPECT_EQ(ReasonOf(parsed.status()), v1::NAME_INVALID) << name;
  }
}

TEST(TagTest, AcceptsAndRejects) {
  for (const std::string& tag :
       {std::string("latest"), std::string("v1.2.3-rc_1"), std::string("_x"),
        std::string("A"), std::string(128, 'a')}) {
    EXPECT_TRUE(Tag::Parse(tag).ok()) << tag;
  }
  for (const std::string& tag :
       {std::string(""), std::string(".x"), std::string("-x"),
        std::string("a/b"), std::string("a:b"), std::string(129, 'a')}) {
    absl::StatusOr<Tag> parsed = Tag::Parse(tag);
    EXPECT_FALSE(parsed.ok()) << tag;
    EXPECT_EQ(ReasonOf(parsed.status()), v1::TAG_INVALID) << tag;
  }
}

TEST(ReferenceTest, TagOrDigest) {
  absl::StatusOr<Reference> tag = Reference::Parse("latest");
  ASSERT_TRUE(tag.ok());
  EXPECT_TRUE(tag->tag.has_value());
  EXPECT_FALSE(tag->digest.has_value());
  absl::StatusOr<Reference> digest = Reference::Parse(
      "sha256:"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  ASSERT_TRUE(digest.ok());
  EXPECT_TRUE(digest->digest.has_value());
  EXPECT_EQ(ReasonOf(Reference::Parse("sha256:nothex").status()),
            v1::DIGEST_INVALID);
}

}  // namespace
}  // namespace registry
