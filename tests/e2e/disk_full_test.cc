// storaged on a small full filesystem (a tmpfs this test mounts), through
// the real gateway: a push that runs out of space is a 507 with Retry-After
// whose message names the repository and the upload or digest, never a
// server path; no partial blob becomes visible; once space is freed, pushes
// work again without a restart. Skips where mounting is refused.
#include <httplib.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/digest.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/gateway_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/test_data.h"

namespace registry::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int kSizeMiB = 12;

class DiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mount_ = NewTempDir("tmpfs");
    std::string options = absl::StrCat("size=", kSizeMiB, "m");
    if (mount("tmpfs", mount_.c_str(), "tmpfs", 0, options.c_str()) != 0) {
      GTEST_SKIP() << "cannot mount a tmpfs here (" << std::strerror(errno)
                   << "); the full-disk cases need one";
    }
    mounted_ = true;
    absl::StatusOr<Registry> registry = StartRegistry(mount_ + "/root");
    ASSERT_OK(registry);
    registry_ = *std::move(registry);
    client_ = std::make_unique<httplib::Client>(
        absl::StrCat("http://", registry_.gateway.host));
  }

  void TearDown() override {
    registry_ = Registry();  // Stops both processes.
    if (mounted_) umount2(mount_.c_str(), MNT_DETACH);
  }

  // Checks an out-of-space answer.
  void ExpectStorageFull(const httplib::Result& response,
                         const std::string& names) {
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 507) << response->body;
    EXPECT_FALSE(response->get_header_value("Retry-After").empty());
    EXPECT_THAT(response->body, HasSubstr("storage is full"));
    EXPECT_THAT(response->body, HasSubstr("full/app"));
    EXPECT_THAT(response->body, HasSubstr(names));
    EXPECT_THAT(response->body, Not(HasSubstr(mount_)));
    EXPECT_THAT(response->body, Not(HasSubstr("docker/registry")));
    EXPECT_THAT(response->body, Not(HasSubstr("No space left")));
  }

  std::string mount_;
  bool mounted_ = false;
  Registry registry_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(DiskFullTest, PushesFailWith507ThenWorkOnceSpaceIsFreed) {
  // A chunked push larger than the filesystem.
  const std::string big = Chunk(1, (kSizeMiB + 4) << 20);
  auto started = client_->Post("/v2/full/app/blobs/uploads/", "", "");
  ASSERT_TRUE(started);
  ASSERT_EQ(started->status, 202);
  const std::string location = started->get_header_value("Location");
  const std::string id = location.substr(location.rfind('/') + 1);
  auto patched = client_->Patch(location, big, "application/octet-stream");
  ExpectStorageFull(patched, id);

  // A monolithic push that ends in the full store too (its digest named).
  const Digest digest = DigestOf(big);
  auto monolithic =
      client_->Post("/v2/full/app/blobs/uploads/?digest=" + digest.ToString(),
                    big, "application/octet-stream");
  ASSERT_TRUE(monolithic);
  EXPECT_EQ(monolithic->status, 507) << monolithic->body;

  // Nothing partial is visible under the digest.
  auto head = client_->Head("/v2/full/app/blobs/" + digest.ToString());
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 404);

  // The client gives up on its uploads: the space is free again.
  auto cancelled = client_->Delete(location);
  ASSERT_TRUE(cancelled);
  EXPECT_EQ(cancelled->status, 204);
  for (const std::string& upload : {monolithic->get_header_value("Location")}) {
    if (!upload.empty()) client_->Delete(upload);
  }

  // Pushes work again, without a restart.
  const std::string small = Chunk(2, 2 << 20);
  const Digest small_digest = DigestOf(small);
  auto pushed = client_->Post(
      "/v2/full/app/blobs/uploads/?digest=" + small_digest.ToString(), small,
      "application/octet-stream");
  ASSERT_TRUE(pushed);
  EXPECT_EQ(pushed->status, 201) << pushed->body;
  auto pulled = client_->Get("/v2/full/app/blobs/" + small_digest.ToString());
  ASSERT_TRUE(pulled);
  EXPECT_EQ(pulled->status, 200);
  EXPECT_TRUE(pulled->body == small);
}

}  // namespace
}  // namespace registry::testing
