// ClassifyRequest agrees with the routes' patterns (routes.h) that
// cpp-httplib matches: for every route, and for names containing the
// markers themselves.
#include "gateway/request_info.h"

#include <regex>

#include "gateway/routes.h"
#include "gtest/gtest.h"

namespace registry::gateway {
namespace {

struct Case {
  const char* method;
  const char* path;
  const char* route;
  const char* repository;
  const char* action;
};

TEST(RequestInfoTest, EveryRoute) {
  const Case cases[] = {
      {"GET", "/v2/", "base", "", ""},
      {"GET", "/v2", "base", "", ""},
      {"GET", "/healthz", "healthz", "", ""},
      {"GET", "/readyz", "readyz", "", ""},
      {"GET", "/metrics", "metrics", "", ""},
      {"GET", "/v2/_catalog", "catalog", "", ""},
      {"GET", "/v2/a/b/tags/list", "tags", "a/b", "pull"},
      {"HEAD", "/v2/a/manifests/v1", "manifest", "a", "pull"},
      {"PUT", "/v2/a/b/c/manifests/sha256:00", "manifest", "a/b/c", "push"},
      {"DELETE", "/v2/a/manifests/v1", "manifest", "a", "delete"},
      {"GET", "/v2/a/blobs/sha256:00", "blob", "a", "pull"},
      {"DELETE", "/v2/a/blobs/sha256:00", "blob", "a", "delete"},
      {"POST", "/v2/a/b/blobs/uploads/", "uploads", "a/b", "push"},
      {"POST", "/v2/a/b/blobs/uploads", "uploads", "a/b", "push"},
      {"PATCH", "/v2/a/blobs/uploads/id-1", "upload", "a", "push"},
      {"DELETE", "/v2/a/blobs/uploads/id-1", "upload", "a", "push"},
      {"GET", "/v2/a/referrers/sha256:00", "referrers", "a", "pull"},
      // Names may contain the markers: the last occurrence decides.
      {"GET", "/v2/manifests/manifests/v1", "manifest", "manifests", "pull"},
      {"GET", "/v2/x/blobs/y/blobs/sha256:00", "blob", "x/blobs/y", "pull"},
      {"GET", "/v2/x/tags/list/tags/list", "tags", "x/tags/list", "pull"},
      {"GET", "/v3/nothing", "unknown", "", ""},
      {"GET", "/v2/a/manifests/", "unknown", "", ""},
      {"GET", "/v2/a/unknown/thing", "unknown", "", ""},
  };
  for (const Case& c : cases) {
    RequestInfo info = ClassifyRequest(c.method, c.path);
    EXPECT_EQ(info.route, c.route) << c.path;
    EXPECT_EQ(info.repository, c.repository) << c.path;
    EXPECT_EQ(info.action, c.action) << c.method << " " << c.path;
  }
}

TEST(RequestInfoTest, RepositoriesAgreeWithTheRoutePatterns) {
  const std::pair<const char*, const char*> patterns[] = {
      {"manifest", routes::kManifest},   {"blob", routes::kBlob},
      {"upload", routes::kUpload},       {"tags", routes::kTags},
      {"referrers", routes::kReferrers},
  };
  for (const char* path :
       {"/v2/a/b/manifests/v1", "/v2/x/blobs/y/blobs/sha256:00",
        "/v2/n/blobs/uploads/id", "/v2/x/tags/list/tags/list",
        "/v2/a/referrers/sha256:00"}) {
    RequestInfo info = ClassifyRequest("GET", path);
    for (const auto& [route, pattern] : patterns) {
      if (info.route != route) continue;
      std::smatch match;
      std::string subject(path);
      ASSERT_TRUE(std::regex_match(subject, match, std::regex(pattern)))
          << path;
      EXPECT_EQ(info.repository, match[1].str()) << path;
    }
  }
}

}  // namespace
}  // namespace registry::gateway
